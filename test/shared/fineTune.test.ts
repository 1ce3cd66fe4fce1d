// fastai's fine_tune as a run of an experiment (shared/runs/fineTune.ts) and how its row reads and
// compares in the summary (scheduleText.ts, comparability.ts): one sweep group with the freeze runs,
// named for what it did, never taken for the nothing-frozen baseline.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Experiment } from '../../src/shared/experiment/types';
import {
  describeFineTune,
  FASTAI_FINE_TUNE,
  fineTuneExperiment,
  fineTuneHeadFreeze,
  isFineTuneRecipe,
} from '../../src/shared/runs/fineTune';
import { freezeCell, scheduleText } from '../../src/shared/panel/scheduleText';
import { toColumns } from '../../src/shared/panel/series';
import { buildSummary } from '../../src/shared/panel/summary';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { sweepRunName } from '../../src/shared/runs/runNames';
import { stubModel } from '../support/stubModel';

const EXP: Experiment = {
  file: '/w/transfer.experiment.yaml',
  model: '/w/model.yaml',
  data: { source: 'mnist', classes: [5, 6, 7, 8, 9] },
  train: { epochs: 8, batch: 16, optimizer: 'adam', lr: 0.005, seed: 0, imgsz: 28, lrMult: [{ from: 0, mult: 0.1 }] },
  freeze: 0,
};

const model = stubModel;

test("fine_tune freezes the body first: the backbone: section, else all but the last module (fastai's freeze())", () => {
  assert.equal(fineTuneHeadFreeze(model(9, 6)), 6);
  assert.equal(fineTuneHeadFreeze(model(9)), 8);
});

test('the experiment as fine_tune trains it: head phase, then all; lr range lr/100…lr; one-cycle; own multipliers replaced', () => {
  const ft = fineTuneExperiment(EXP, 6, FASTAI_FINE_TUNE);
  assert.equal(ft.freeze, 6);
  assert.deepEqual(ft.freezeSchedule, {
    kind: 'schedule',
    phases: [
      { epochs: 1, freeze: 6 },
      { epochs: 7, freeze: 0 },
    ],
  });
  assert.deepEqual(ft.train.lrRange, { min: 0.00005, max: 0.005 });
  assert.equal(ft.train.lrMult, undefined, 'lrRange and lrMult are exclusive: the recipe wins');
  assert.equal(ft.train.schedule?.kind, 'onecycle');
  assert.equal(ft.train.lr, 0.005);
  assert.equal(EXP.train.lrMult?.length, 1, 'the experiment itself is not changed');
  // A one-epoch run still has a valid last phase.
  assert.deepEqual(fineTuneExperiment({ ...EXP, train: { ...EXP.train, epochs: 1 } }, 6, FASTAI_FINE_TUNE).freezeSchedule, {
    kind: 'schedule',
    phases: [
      { epochs: 1, freeze: 6 },
      { epochs: 1, freeze: 0 },
    ],
  });
  assert.equal(describeFineTune(6, FASTAI_FINE_TUNE), 'fine_tune: freeze 6 for 1 epoch, then all at lr/100…lr, one-cycle');
});

test('a recipe read back from run.json is checked', () => {
  assert.ok(isFineTuneRecipe({ freezeEpochs: 1, lrMult: 100 }));
  for (const bad of [null, {}, { freezeEpochs: 0, lrMult: 100 }, { freezeEpochs: 1.5, lrMult: 100 }, { freezeEpochs: 1, lrMult: 0.5 }])
    assert.ok(!isFineTuneRecipe(bad), JSON.stringify(bad));
});

test("a run's Freeze cell names its schedule: fine_tune, a recorded freeze schedule, or the plain value", () => {
  const ft = { freeze: 6, fineTune: FASTAI_FINE_TUNE };
  assert.equal(scheduleText(ft), 'fine_tune 6 → 0 at epoch 2, lr/100…lr');
  const phases = [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 2, freeze: 7 },
    { startEpoch: 3, freeze: 6 },
  ];
  assert.equal(scheduleText({ freeze: 8, phases }), '8 → 7 → 6 at epochs 2, 3');
  assert.equal(scheduleText({ freeze: 6, phases: [{ startEpoch: 1, freeze: 6 }] }), null, 'one phase is one freeze');
  assert.equal(freezeCell({ freeze: [0, 'model.4.bn'], schedule: null }), '[0, model.4.bn]');
  assert.equal(sweepRunName('s1', 6, true), 's1-fine-tune');
  assert.equal(sweepRunName('s1', 6), 's1-freeze-6');
});

function epochs(acc: number[], seconds: number): EpochMetrics[] {
  return acc.map((a, i) => ({
    epoch: i + 1,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': a,
    lr: 0.005,
    epoch_seconds: seconds,
    images_per_second: 100,
    tensor_bytes: 1e6,
    rss_bytes: 1e8,
    time: new Date(1.7e12 + i * 1000).toISOString(),
  }));
}

const rec = (name: string, freeze: RunRecord['freeze'], more: Partial<RunRecord> = {}): RunRecord => ({
  name,
  status: 'finished',
  freeze,
  experiment: EXP.file,
  data: 'mnist digits 5,6,7,8,9',
  model: EXP.model,
  sweep: 's1',
  startedAt: '2026-01-01T10:00:00Z',
  ...more,
});

test('frozen backbone, fine-tune everything and fine_tune are one sweep group, deltas against freeze 0, each row named', () => {
  const ft = rec('s1-fine-tune', 6, {
    fineTune: FASTAI_FINE_TUNE,
    phases: [
      { startEpoch: 1, freeze: 6 },
      { startEpoch: 2, freeze: 0 },
    ],
  });
  const t = buildSummary([
    { record: ft, cols: toColumns(epochs([0.9, 0.95], 0.2)) },
    { record: rec('s1-freeze-6', 6), cols: toColumns(epochs([0.88, 0.92], 0.05)) },
    { record: rec('s1-freeze-0', 0), cols: toColumns(epochs([0.9, 0.94], 0.3)) },
  ]);
  assert.equal(t.groups.length, 1, 'different schedules of one experiment, data and model are comparable');
  assert.deepEqual(t.groups[0].runs, ['s1-freeze-0', 's1-freeze-6', 's1-fine-tune'], 'schedules after the plain freezes');
  assert.equal(t.groups[0].baseline, 's1-freeze-0');
  const d = t.deltas.get('s1-fine-tune')!;
  assert.ok(Math.abs(d.scorePt! - 1) < 1e-9, 'best 95% vs 94%: +1 pt');
  assert.deepEqual(
    t.rows.map((r) => freezeCell(r)),
    ['0', '6', 'fine_tune 6 → 0 at epoch 2, lr/100…lr'],
  );
});

test('a schedule that starts with nothing frozen is not the nothing-frozen baseline', () => {
  const warm = rec('s1-warm', 0, {
    phases: [
      { startEpoch: 1, freeze: 0 },
      { startEpoch: 3, freeze: 6 },
    ],
  });
  const t = buildSummary([
    { record: warm, cols: toColumns(epochs([0.9], 0.2)) },
    { record: rec('s1-freeze-6', 6), cols: toColumns(epochs([0.88], 0.05)) },
  ]);
  assert.equal(t.groups[0].baseline, undefined);
  assert.match(t.groups[0].note ?? '', /no run here freezes nothing/);
});
