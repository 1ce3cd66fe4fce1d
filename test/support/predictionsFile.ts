// Checks a trainer's predictions/best.json or last.json against its run folder: valid by the
// contract, written for the epoch asked, and agreeing with that epoch's metrics (the accuracy the
// confusion matrix gives is exactly val/accuracy), with its lists consistent with each other.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PREDICTIONS_DIR, predictionsProblem, type Predictions } from '../../src/shared/runFolder/predictions';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { ROOT, runCli } from './trainerCli';

/** The first epoch with the highest val/accuracy (the one weights/best holds). */
export function bestEpoch(runDir: string): number {
  const metrics = readMetricsFile(path.join(runDir, 'metrics.jsonl'));
  return metrics.reduce((b, m) => (m['val/accuracy'] > b['val/accuracy'] ? m : b)).epoch;
}

export function checkPredictions(
  runDir: string,
  weights: Predictions['weights'],
  o: { epoch: number; topLosses?: number; dataDir?: string },
): Predictions {
  const file = path.join(runDir, PREDICTIONS_DIR, `${weights}.json`);
  assert.ok(existsSync(file), `${file} missing`);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Predictions;
  assert.equal(predictionsProblem(p), undefined, file);
  assert.deepEqual([p.epoch, p.weights], [o.epoch, weights], file);
  const m = readMetricsFile(path.join(runDir, 'metrics.jsonl')).find((e) => e.epoch === p.epoch);
  assert.ok(m, `no metrics for epoch ${p.epoch}`);
  const n = p.truth.length;
  const correct = p.confusion.reduce((s, row, t) => s + row[t], 0);
  assert.equal(
    p.confusion.flat().reduce((s, c) => s + c, 0),
    n,
  );
  assert.equal(correct / n, m['val/accuracy'], `accuracy of ${file} vs val/accuracy of epoch ${p.epoch}`);
  const again = p.classes.map(() => new Array<number>(p.classes.length).fill(0));
  p.truth.forEach((t, i) => again[t][p.predicted[i]]++);
  assert.deepEqual(again, p.confusion);
  assert.equal(p.topLosses.length, Math.min(o.topLosses ?? 32, n));
  p.topLosses.forEach((x, k) => {
    assert.deepEqual([x.truth, x.predicted], [p.truth[x.index], p.predicted[x.index]]);
    assert.ok(x.probability > 0 && x.probability <= 1 && x.loss >= 0, JSON.stringify(x));
    if (k > 0) assert.ok(x.loss <= p.topLosses[k - 1].loss);
    assert.ok(p.thumbnails[String(x.index)], `thumbnail of top loss ${x.index}`);
  });
  // Every mistake gets a thumbnail at these sizes (far below the bound).
  p.truth.forEach((t, i) => assert.ok(t === p.predicted[i] || p.thumbnails[String(i)], `thumbnail of mistake ${i}`));
  if (o.dataDir) {
    assert.equal(p.files?.length, n);
    p.files!.forEach((f, i) => {
      assert.ok(existsSync(path.join(o.dataDir!, f)), f);
      assert.equal(f.split('/').slice(0, 2).join('/'), `val/${p.classes[p.truth[i]]}`);
    });
  } else assert.equal(p.files, undefined);
  return p;
}

/** The digits example's pretraining, then transfer with freeze 6 (cached prefix), on the engine `env` names; both runs' predictions checked. */
export function digitsExample(dir: string, env: NodeJS.ProcessEnv): void {
  cpSync(path.join(ROOT, 'examples', 'digits'), dir, { recursive: true });
  const pre = runCli(['train', 'pretrain.experiment.yaml', '--json', '--name', 'pretrain'], { cwd: dir, env, timeoutMs: 300_000 });
  assert.equal(pre.code, 0, pre.stderr + pre.stdout.slice(-1500));
  const tr = runCli(['train', 'transfer.experiment.yaml', '--json', '--name', 'frozen', '--freeze', '6', '--epochs', '4'], {
    cwd: dir,
    env,
    timeoutMs: 300_000,
  });
  assert.equal(tr.code, 0, tr.stderr + tr.stdout.slice(-1500));
  assert.ok(tr.events.some((e) => e.type === 'log' && /frozen-prefix cache: used/.test(e.message)));
  for (const [name, epochs] of [
    ['pretrain', 2],
    ['frozen', 4],
  ] as const) {
    const run = path.join(dir, 'runs', name);
    const rec = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as RunRecord;
    assert.deepEqual([rec.status, rec.engine], ['finished', env.TRANSFER_LAB_ENGINE]);
    const best = checkPredictions(run, 'best', { epoch: bestEpoch(run) });
    const last = checkPredictions(run, 'last', { epoch: epochs });
    assert.deepEqual(best.truth, last.truth);
    assert.deepEqual(best.classes, name === 'pretrain' ? ['0', '1', '2', '3', '4'] : ['5', '6', '7', '8', '9']);
  }
}
