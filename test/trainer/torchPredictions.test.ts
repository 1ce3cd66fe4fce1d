// The torch engine's evaluation hands back per-image predictions too: the digits example
// (pretraining, then transfer with the frozen prefix cached in the worker) writes predictions/
// best.json and last.json that match its metrics. Needs PyTorch >= 1.13; skipped without.
import { test, after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeTorch } from '../../src/trainer/torch/probeTorch';
import { digitsExample } from '../support/predictionsFile';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torchpred-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('digits example on torch: predictions/best.json and last.json match the metrics', async (t) => {
  const torch = await probeTorch();
  if (!torch.available) return t.skip(torch.reason);
  digitsExample(path.join(tmp, 'digits'), { TRANSFER_LAB_ENGINE: 'torch' });
});
