// The torch engine end to end through the built CLI: the same run folder as the tfjs engines
// (run.json with engine and device, metrics keys, results.csv, weights/last and best in tfjs
// files), weights moving between torch and wasm both ways, the frozen-prefix cache, SIGTERM →
// stopped with a checkpoint, kill -9 → resume. Needs a Python with PyTorch >= 1.13; skipped without.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { probeTorch, TorchProbe } from '../../src/trainer/torch/probeTorch';
import { RUN_FOLDER_FILES, writeExperiment } from '../support/trainerFixtures';
import { runCli, startCli } from '../support/trainerCli';
import type { ProgressEvent, RunRecord } from '../../src/shared/runFolder/contract';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torchcli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const TORCH = { TRANSFER_LAB_ENGINE: 'torch' };
const WASM = { TRANSFER_LAB_ENGINE: 'wasm' };
const DATA = '{ source: mnist, classes: [0, 1, 2], limit: 240, valFraction: 0.1 }';

let torch: TorchProbe;
before(async () => {
  torch = await probeTorch();
});

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

function logged(events: ProgressEvent[], re: RegExp): boolean {
  return events.some((e) => e.type === 'log' && re.test(e.message));
}

test('a torch run writes the run folder a wasm run writes; its weights/best transfers to wasm and back', async (t) => {
  if (!torch.available) return t.skip(torch.reason);
  const dir = path.join(tmp, 'cross');
  const exp = writeExperiment(dir, 'pre.experiment.yaml', { data: DATA, epochs: 2, batch: 16 });
  const r = runCli(['train', exp, '--json', '--name', 'pre'], { env: TORCH, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const run = path.join(dir, 'runs', 'pre');
  for (const f of RUN_FOLDER_FILES) assert.ok(existsSync(path.join(run, f)), `${f} missing`);
  const rec = record(run);
  assert.equal(rec.status, 'finished');
  assert.equal(rec.engine, 'torch');
  assert.match(rec.device ?? '', /PyTorch \d+\.\d+.*\b(cpu|cuda|mps)\)/);
  assert.equal(rec.epochsDone, 2);
  const metrics = readMetricsFile(path.join(run, 'metrics.jsonl'));
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
    // Held tensors (weights, Adam's state, the data) plus a step's saved activations.
    assert.ok(m.tensor_bytes > 4 * 826 * 3 && m.peak_tensor_bytes! > m.tensor_bytes, `${m.tensor_bytes} ${m.peak_tensor_bytes}`);
  }
  assert.ok(metrics[1]['val/accuracy'] > 0.8, `digits 0-2 should be easy, got ${metrics[1]['val/accuracy']}`);
  assert.equal(readFileSync(path.join(run, 'results.csv'), 'utf8').trim().split('\n').length, 3);
  assert.ok(r.events.some((e) => e.type === 'start' && e.engine === 'torch'));

  // torch → wasm: the torch run's best weights start a wasm run (new head for two classes, backbone frozen and cached).
  const best = path.join(run, 'weights', 'best');
  const onWasm = writeExperiment(dir, 'to-wasm.experiment.yaml', {
    data: '{ source: mnist, classes: [3, 4], limit: 120, valFraction: 0.2 }',
    weights: best,
    epochs: 2,
    freeze: '4',
  });
  const w = runCli(['train', onWasm, '--json', '--name', 'wasm-from-torch'], { env: WASM, timeoutMs: 120_000 });
  assert.equal(w.code, 0, w.stderr + w.stdout.slice(-2000));
  assert.equal(record(path.join(dir, 'runs', 'wasm-from-torch')).engine, 'wasm');
  assert.ok(logged(w.events, /pretrained weights .*: 10 tensors loaded/), w.stdout.slice(0, 3000));
  assert.ok(logged(w.events, /frozen-prefix cache: used/));
  // wasm → torch: the wasm run's best weights start a torch run, also with the frozen prefix cached.
  const back = writeExperiment(dir, 'to-torch.experiment.yaml', {
    data: '{ source: mnist, classes: [3, 4], limit: 120, valFraction: 0.2 }',
    weights: path.join(dir, 'runs', 'wasm-from-torch', 'weights', 'best'),
    epochs: 2,
    freeze: '4',
  });
  const b = runCli(['train', back, '--json', '--name', 'torch-from-wasm'], { env: TORCH, timeoutMs: 120_000 });
  assert.equal(b.code, 0, b.stderr + b.stdout.slice(-2000));
  assert.ok(logged(b.events, /pretrained weights .*: 12 tensors loaded/), b.stdout.slice(0, 3000));
  assert.ok(logged(b.events, /frozen-prefix cache: used/));
  const fromWasm = readMetricsFile(path.join(dir, 'runs', 'wasm-from-torch', 'metrics.jsonl'));
  const fromTorch = readMetricsFile(path.join(dir, 'runs', 'torch-from-wasm', 'metrics.jsonl'));
  // Same frozen backbone, same head start (the wasm run's trained head), so torch starts where wasm ended.
  assert.ok(
    fromTorch[0]['val/accuracy'] >= fromWasm[1]['val/accuracy'] - 0.05,
    `${fromTorch[0]['val/accuracy']} vs ${fromWasm[1]['val/accuracy']}`,
  );
});

test('torch: SIGTERM mid-epoch stops with weights/last; kill -9 leaves a resumable run; --resume finishes on torch', async (t) => {
  if (!torch.available) return t.skip(torch.reason);
  const exp = writeExperiment(path.join(tmp, 'term'), 'term.experiment.yaml', { data: DATA, epochs: 6, batch: 4 });
  const run = startCli(['train', exp, '--json', '--name', 'term'], { env: TORCH });
  await run.waitFor((e) => e.type === 'batch' && e.epoch === 3 && e.batch === 10, 120_000);
  run.child.kill('SIGTERM');
  const exit = await run.exit;
  assert.equal(exit.code, 0, exit.stderr);
  const dir = path.join(tmp, 'term', 'runs', 'term');
  assert.equal(record(dir).status, 'stopped');
  assert.equal(record(dir).epochsDone, 2);
  assert.deepEqual(
    readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2],
  );
  const received = run.events.findIndex((e) => e.type === 'log' && /SIGTERM received/.test(e.message));
  // The worker checks for the trainer's 'stop' between batches: the batch in flight and at most one more.
  assert.ok(run.events.slice(received + 1).filter((e) => e.type === 'batch').length <= 2);

  // Resume, then kill -9 the trainer after its next epoch: the worker goes with it (its stdin closes).
  const again = startCli(['train', exp, '--json', '--name', 'term', '--resume'], { env: TORCH });
  await again.waitFor((e) => e.type === 'epoch' && e.metrics.epoch === 3, 120_000);
  again.child.kill('SIGKILL');
  assert.equal((await again.exit).signal, 'SIGKILL');
  assert.equal(record(dir).status, 'running');

  const resumed = runCli(['train', exp, '--json', '--name', 'term', '--resume'], { env: TORCH, timeoutMs: 120_000 });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.slice(-1500));
  assert.ok(logged(resumed.events, /optimizer state restored/));
  assert.deepEqual(
    readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal(record(dir).status, 'finished');
  assert.equal(record(dir).engine, 'torch');
});
