// `sweep --fine-tune` and `train --fine-tune` end to end on a shrunken copy of examples/digits (real
// digits, real training on wasm): the fine_tune run trains the body frozen for one epoch, then
// everything, records its recipe and phases, and sits in the sweep's table beside the freeze runs,
// named for what it did. Needs `npm run compile` (dist/trainer.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import type { SweepTable } from '../../src/trainer/sweep/sweepTable';
import { runCli } from '../support/trainerCli';
import { tinyDigitsExample } from '../support/digitsExample';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-finetune-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const tinyExample = () => tinyDigitsExample(tmp);

const readRun = (name: string) => ({
  record: JSON.parse(readFileSync(path.join(tmp, 'runs', name, 'run.json'), 'utf8')) as RunRecord,
  metrics: readFileSync(path.join(tmp, 'runs', name, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochMetrics),
});

test('a sweep with --fine-tune: the freeze runs and the fine_tune run in one table, the fine_tune run named and recorded', () => {
  const exp = tinyExample();
  const r = runCli(['sweep', exp, '--freeze', '0', '--fine-tune', '--json', '--name', 's'], { cwd: tmp, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const table = JSON.parse(r.stdout.trim().split('\n').pop()!) as SweepTable;
  assert.deepEqual(
    table.runs.map((x) => [x.run, x.label, x.schedule]),
    [
      ['s-freeze-0', 'nothing frozen', null],
      ['s-fine-tune', 'fine_tune', 'fine_tune 6 → 0 at epoch 2, lr/100…lr'],
    ],
  );
  assert.equal(table.baseline, 's-freeze-0');
  assert.equal(table.runs[1].baseline, 's-freeze-0', 'compared with the nothing-frozen run of its sweep');

  const ft = readRun('s-fine-tune');
  assert.deepEqual(ft.record.fineTune, { freezeEpochs: 1, lrMult: 100 });
  assert.equal(ft.record.freeze, 6, 'the body (the backbone: section) frozen first');
  assert.deepEqual(ft.record.phases, [
    { startEpoch: 1, freeze: 6 },
    { startEpoch: 2, freeze: 0 },
  ]);
  assert.deepEqual(
    ft.metrics.map((m) => [m.phase, m.freeze]),
    [
      [0, 6],
      [1, 0],
      [1, 0],
    ],
  );
  // One-cycle: per-step rates recorded, rising in the first epoch and ending far below the peak.
  const steps = ft.metrics.flatMap((m) => m.lr_steps ?? []);
  assert.ok(steps.length >= 3 * 3, `per-step rates recorded (${steps.length})`);
  assert.ok(steps[1] > steps[0] && Math.max(...steps) <= 0.005 + 1e-12 && steps[steps.length - 1] < 1e-4);
  const plain = readRun('s-freeze-0');
  assert.equal(plain.record.fineTune, undefined);
  assert.equal(plain.record.phases, undefined);
  assert.match(
    readFileSync(path.join(tmp, 'runs', 's-fine-tune', 'train.log'), 'utf8'),
    /fine_tune: freeze 6 for 1 epoch, then all at lr\/100…lr, one-cycle/,
  );
});

test('--fine-tune is refused with --resume (the run keeps its recorded recipe) and with a head phase that freezes nothing', () => {
  const exp = path.join(tmp, 'transfer.experiment.yaml');
  const resumed = runCli(['train', exp, '--name', 's-fine-tune', '--resume', '--fine-tune'], { cwd: tmp });
  assert.notEqual(resumed.code, 0);
  assert.match(resumed.stderr, /--fine-tune with --resume: a resumed run keeps the schedule its run\.json records/);
  const none = runCli(['train', exp, '--freeze', '0', '--fine-tune'], { cwd: tmp });
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /needs a head-first phase that freezes something/);
});

test('a resumed fine_tune run trains on with its recorded recipe, in its unfrozen phase', () => {
  const exp = path.join(tmp, 'transfer.experiment.yaml');
  const r = runCli(['train', exp, '--name', 's-fine-tune', '--resume', '--epochs', '4', '--json'], { cwd: tmp, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const ft = readRun('s-fine-tune');
  assert.deepEqual(ft.record.fineTune, { freezeEpochs: 1, lrMult: 100 });
  const last = ft.metrics[ft.metrics.length - 1];
  assert.deepEqual([last.epoch, last.phase, last.freeze], [4, 1, 0]);
  assert.ok(last.lr_steps?.length, 'the recipe\u2019s schedule still moves the rate per step');
});
