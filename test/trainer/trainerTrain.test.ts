// End to end through the built CLI: MNIST and a generated PNG image folder, the run folder it
// leaves, and a transfer run starting from the first run's best weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { MNIST_01, RUN_FOLDER_FILES, writeExperiment, writeImageFolder } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-train-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

test('train on mnist: events, run folder, metrics, weights', () => {
  const exp = writeExperiment(path.join(tmp, 'mnist'), 'digits.experiment.yaml', { data: MNIST_01, epochs: 2 });
  const r = runCli(['train', exp, '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const types = r.events.map((e) => e.type);
  assert.equal(types.filter((t) => t === 'epoch').length, 2);
  assert.ok(types.includes('batch'));
  const start = r.events.find((e) => e.type === 'start');
  assert.ok(start && start.type === 'start' && start.engine === 'wasm' && start.epochs === 2);
  const end = r.events[r.events.length - 1];
  assert.deepEqual(end, { type: 'end', run: 'digits', status: 'finished' });

  const dir = path.join(tmp, 'mnist', 'runs', 'digits');
  for (const f of RUN_FOLDER_FILES) assert.ok(existsSync(path.join(dir, f)), `${f} missing`);
  const rec = record(dir);
  assert.equal(rec.status, 'finished');
  assert.equal(rec.engine, 'wasm');
  assert.match(rec.device ?? '', /WebAssembly/);
  assert.equal(rec.epochsDone, 2);
  assert.ok(Number.isInteger(rec.pid) && rec.pid! > 0);
  if (process.platform === 'linux') assert.match(rec.pidStartTime ?? '', /^\d+$/);
  assert.ok(rec.startedAt && rec.endedAt && rec.endedAt >= rec.startedAt);
  assert.ok(rec.trainableParams! > 0 && rec.trainableParams === rec.totalParams);
  assert.equal(rec.cache?.used, false);
  // What the summary decides comparability and the memory measure on.
  assert.equal(rec.data, 'mnist digits 0,1, 64 labels, 5% validation');
  assert.ok(rec.model && path.isAbsolute(rec.model), rec.model);
  assert.equal(rec.deviceSource, 'cpu', 'wasm: device figures are the CPU share and peak RSS');
  assert.equal(readFileSync(path.join(dir, 'experiment.yaml'), 'utf8'), readFileSync(exp, 'utf8'));

  const metrics: EpochMetrics[] = readMetricsFile(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2],
  );
  for (const m of metrics) {
    for (const k of [
      'train/loss',
      'val/loss',
      'val/accuracy',
      'lr',
      'epoch_seconds',
      'images_per_second',
      'tensor_bytes',
      'peak_tensor_bytes',
      'rss_bytes',
      'device_util',
      'device_memory_bytes',
    ] as const) {
      assert.equal(typeof m[k], 'number', `${k} in epoch ${m.epoch}`);
    }
    assert.equal(m['val/top5'], undefined, 'top5 only with more than 5 classes');
    assert.ok(m.peak_tensor_bytes! >= m.tensor_bytes);
  }
  assert.ok(metrics[1]['val/accuracy'] > 0.8, `0 vs 1 should be easy, got ${metrics[1]['val/accuracy']}`);
  assert.equal(rec.bestAccuracy, Math.max(...metrics.map((m) => m['val/accuracy'])));
  const csv = readFileSync(path.join(dir, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.match(csv[0], /^epoch,train\/loss,val\/loss,val\/accuracy/);
  assert.match(readFileSync(path.join(dir, 'train.log'), 'utf8'), /engine wasm[\s\S]*epoch 2\/2/);
  const best = JSON.parse(readFileSync(path.join(dir, 'weights/best/model.json'), 'utf8'));
  assert.deepEqual(best.userDefinedMetadata.transferLab.classes, ['0', '1']);
});

test('transfer from the mnist run: pretrained weights, new head for 3 classes, frozen backbone cached', () => {
  const best = path.join(tmp, 'mnist', 'runs', 'digits', 'weights', 'best');
  assert.ok(existsSync(best), 'needs the previous test');
  const exp = writeExperiment(path.join(tmp, 'mnist'), 'transfer.experiment.yaml', {
    data: '{ source: mnist, classes: [2, 3, 4], limit: 60, valFraction: 0.05 }',
    weights: 'runs/digits/weights/best',
    freeze: '4',
    epochs: 2,
  });
  const r = runCli(['train', exp, '--json', '--name', 'tr']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const logs = r.events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? e.message : ''));
  assert.ok(
    logs.some((l) => /classifier head model\.5 replaced: 2 → 3 classes/.test(l)),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((l) => /frozen-prefix cache: used/.test(l)),
    logs.join('\n'),
  );
  const rec = record(path.join(tmp, 'mnist', 'runs', 'tr'));
  assert.match(rec.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(rec.trainableParams, 3 * 3 * 8 * 3 + 3); // only Dense [nc]: 14x14 pooled twice is 3x3x8, to 3 classes
  assert.equal(rec.cache?.used, true);
  assert.ok(rec.totalParams! > rec.trainableParams!);
});

test('train on a generated PNG image folder with a corrupt file', () => {
  const root = path.join(tmp, 'folder');
  writeImageFolder(path.join(root, 'data'), { classes: ['red', 'blue'], perClass: 8, size: 16, valPerClass: 4 });
  writeFileSync(path.join(root, 'data', 'train', 'red', 'corrupt.png'), Buffer.from('not a png at all'));
  const exp = writeExperiment(root, 'colors.experiment.yaml', { data: '{ source: folder, path: data }', epochs: 4, batch: 4, imgsz: 16 });
  const r = runCli(['train', exp, '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const logs = r.events.filter((e) => e.type === 'log').map((e) => (e.type === 'log' ? `${e.level} ${e.message}` : ''));
  assert.ok(
    logs.some((l) => /^warn 1 corrupt image\(s\) skipped/.test(l)),
    logs.join('\n'),
  );
  assert.ok(
    logs.some((l) => /corrupt\.png: neither PNG nor JPEG data/.test(l)),
    logs.join('\n'),
  );
  assert.ok(
    // The index counts files (17); the corrupt one is found, listed and left out while streaming.
    logs.some((l) => /2 classes, 17 train, 8 val, 16x16x3/.test(l)),
    logs.join('\n'),
  );
  const metrics = readMetricsFile(path.join(root, 'runs', 'colors', 'metrics.jsonl'));
  assert.equal(metrics.length, 4);
  assert.ok(metrics[3]['val/accuracy'] >= 0.99, `red vs blue should be learnt, got ${metrics[3]['val/accuracy']}`);
});
