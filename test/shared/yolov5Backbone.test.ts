// Classification transfer on YOLOv5 blocks in the built-in trainer: examples/yolov5-backbone/model.yaml
// (YOLOv5's backbone rows 0-9 — Conv, C3, SPPF — plus a Classify head) trains one epoch on tiny data
// through the built CLI, with nothing frozen and with the backbone frozen as YOLOv5's --freeze 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/shared/experiment/parse';
import { loadModelSummary } from '../../src/shared/model/load';
import { frozenState } from '../../src/shared/freeze';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { ROOT, runCli } from '../support/trainerCli';
import { writeExperiment, writeImageFolder } from '../support/trainerFixtures';

const MODEL = path.join(ROOT, 'examples', 'yolov5-backbone', 'model.yaml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-backbone-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test("the example model is YOLOv5's backbone (modules 0-9) and a Classify head, counted as YOLOv5 counts them", async () => {
  const { summary, diagnostics } = await loadModelSummary(MODEL, { nc: 2, ch: 3, imgsz: 32 });
  assert.deepEqual(diagnostics, []);
  assert.ok(summary);
  assert.deepEqual(
    summary.modules.map((m) => m.type),
    ['Conv', 'Conv', 'C3', 'Conv', 'C3', 'Conv', 'C3', 'Conv', 'C3', 'SPPF', 'Classify'],
  );
  assert.equal(summary.backboneLength, 10);
  assert.deepEqual(
    summary.modules.map((m) => m.repeats),
    [1, 1, 1, 1, 2, 1, 3, 1, 1, 1, 1],
    'C3 repeats 3/6/9/3 scaled by depth_multiple 0.33',
  );
  // Classify(c1=128, c2=2): Conv(128, 1280, 1) without bias + BN(1280), then Linear(1280, 2).
  assert.equal(summary.modules[10].params, 128 * 1280 + 2 * 1280 + 1280 * 2 + 2);
  assert.deepEqual(summary.modules[10].outShape, [2]);
  const example = await loadExperiment(path.join(ROOT, 'examples', 'yolov5-backbone', 'transfer.experiment.yaml'));
  assert.equal(example.model, MODEL);
  assert.equal(example.train.imgsz % 32, 0, "the example's image size is a multiple of the backbone's stride");
});

test('it trains an epoch on the built-in engine, whole and with the backbone frozen (freeze 10)', async () => {
  const data = path.join(tmp, 'images');
  writeImageFolder(data, { classes: ['a', 'b'], perClass: 6, size: 32 });
  const runs: Record<string, RunRecord> = {};
  for (const freeze of ['0', '10']) {
    const dir = path.join(tmp, `f${freeze}`);
    const exp = writeExperiment(dir, 'bb.experiment.yaml', {
      model: MODEL,
      data: `{source: folder, path: ${data}}`,
      epochs: 1,
      batch: 4,
      imgsz: 32,
      freeze,
    });
    const r = runCli(['train', exp, '--json', '--name', 'bb'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const rec = JSON.parse(readFileSync(path.join(dir, 'runs', 'bb', 'run.json'), 'utf8')) as RunRecord;
    assert.equal(rec.status, 'finished');
    const m = readMetricsFile(path.join(dir, 'runs', 'bb', 'metrics.jsonl'));
    assert.equal(m.length, 1);
    assert.ok(
      Number.isFinite(m[0]['train/loss']) && Number.isFinite(m[0]['val/loss']),
      `finite losses (${m[0]['train/loss']}, ${m[0]['val/loss']})`,
    );
    assert.ok(m[0]['val/accuracy'] >= 0 && m[0]['val/accuracy'] <= 1);
    runs[freeze] = rec;
  }
  const { summary } = await loadModelSummary(MODEL, { nc: 2, ch: 3, imgsz: 32 });
  assert.equal(runs['0'].trainableParams, summary!.totalParams, 'nothing frozen: every parameter trains');
  assert.equal(runs['10'].trainableParams, frozenState(summary!, 10).trainableParams, 'freeze 10: the parameters the Modules view counts');
  assert.equal(runs['10'].trainableParams, summary!.modules[10].params, 'freeze 10 leaves only the Classify head trainable');
});
