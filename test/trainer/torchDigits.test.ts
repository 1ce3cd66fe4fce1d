// The digits example's freeze sweep on torch reaches the wasm engine's accuracies (within 3 points
// per freeze), from the same pretrained weights (made on torch: wasm reads them too), with fewer
// epochs than the example to keep the test short. Needs PyTorch >= 1.13; skipped without.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeTorch } from '../../src/trainer/torch/probeTorch';
import { ROOT, runCli } from '../support/trainerCli';
import type { RunRecord } from '../../src/shared/runFolder/contract';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torchdigits-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FREEZES = [0, 6, 8];

function bestAccuracy(dir: string, run: string): number {
  const rec = JSON.parse(readFileSync(path.join(dir, 'runs', run, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(rec.status, 'finished', `${run}: ${rec.error ?? ''}`);
  return rec.bestAccuracy!;
}

test('digits sweep: torch within 3 points of wasm at every freeze', async (t) => {
  const torch = await probeTorch();
  if (!torch.available) return t.skip(torch.reason);
  const dir = path.join(tmp, 'digits');
  cpSync(path.join(ROOT, 'examples', 'digits'), dir, { recursive: true });
  const pre = runCli(['train', 'pretrain.experiment.yaml', '--json', '--name', 'pretrain', '--epochs', '1'], {
    cwd: dir,
    env: { TRANSFER_LAB_ENGINE: 'torch' },
    timeoutMs: 180_000,
  });
  assert.equal(pre.code, 0, pre.stderr + pre.stdout.slice(-1500));
  const acc: Record<string, number[]> = {};
  for (const engine of ['wasm', 'torch']) {
    const r = runCli(['sweep', 'transfer.experiment.yaml', '--json', '--name', engine, '--epochs', '4', '--engine', engine], {
      cwd: dir,
      env: { TRANSFER_LAB_ENGINE: '' },
      timeoutMs: 600_000,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1500));
    acc[engine] = FREEZES.map((f) => bestAccuracy(dir, `${engine}-freeze-${f}`));
  }
  FREEZES.forEach((f, i) => {
    assert.ok(Math.abs(acc.torch[i] - acc.wasm[i]) <= 0.03, `freeze ${f}: torch ${acc.torch[i]}, wasm ${acc.wasm[i]}`);
  });
  // Learning happened: a frozen backbone still beats chance (5 classes) by far.
  assert.ok(acc.torch[1] > 0.6, String(acc.torch));
});
