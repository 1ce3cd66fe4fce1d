// The built trainer writes predictions/best.json and last.json on the wasm engine: for the digits
// example (pretraining, then transfer with the backbone frozen and its outputs cached), and for an
// image folder (per-image files, `train.topLosses`, a SIGTERM stop that writes last.json for the
// epoch weights/last holds). Their accuracy is exactly that epoch's val/accuracy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { bestEpoch, checkPredictions, digitsExample } from '../support/predictionsFile';
import { writeExperiment, writeImageFolder } from '../support/trainerFixtures';
import { startCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-predcli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const record = (run: string): RunRecord => JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as RunRecord;

test('digits example on wasm: predictions/best.json and last.json match the metrics', () => {
  digitsExample(path.join(tmp, 'digits'), { TRANSFER_LAB_ENGINE: 'wasm' });
});

test('image folder: files, train.topLosses, and last.json for the epoch a SIGTERM stop keeps', async () => {
  const dir = path.join(tmp, 'folder');
  writeImageFolder(path.join(dir, 'data'), { classes: ['cat', 'dog', 'eel'], perClass: 10, size: 16, valPerClass: 6 });
  const exp = writeExperiment(dir, 'f.experiment.yaml', { data: '{ source: folder, path: data }', epochs: 20, batch: 5, imgsz: 16 });
  writeFileSync(exp, readFileSync(exp, 'utf8').replace('  imgsz: 16\n', '  imgsz: 16\n  topLosses: 3\n'));
  const cli = startCli(['train', exp, '--json', '--name', 'f']);
  await cli.waitFor((e) => e.type === 'batch' && e.epoch === 3, 120_000);
  cli.child.kill('SIGTERM');
  const exit = await cli.exit;
  assert.equal(exit.code, 0, exit.stderr);
  const run = path.join(dir, 'runs', 'f');
  const rec = record(run);
  assert.equal(rec.status, 'stopped');
  const data = path.join(dir, 'data');
  const last = checkPredictions(run, 'last', { epoch: rec.epochsDone!, topLosses: 3, dataDir: data });
  checkPredictions(run, 'best', { epoch: bestEpoch(run), topLosses: 3, dataDir: data });
  assert.deepEqual([...new Set(last.files!.map((f) => f.split('/')[1]))].sort(), ['cat', 'dog', 'eel']);
});
