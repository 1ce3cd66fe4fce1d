// A freeze schedule resolved into a run's phases (run.json `phases`), the phase of each epoch, the
// freeze a resumed run builds its model with, and each module's multiplier under a freeze.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Experiment, FreezeSchedule } from '../../src/shared/experiment/types';
import type { ModelSummary } from '../../src/shared/model/types';
import { freezeToBuild, moduleMultipliers, phaseAt, resolvePhases, runPhases } from '../../src/trainer/train/freezePhases';

test('schedule: each phase from the epoch after the previous one ends; phases past the run are dropped', () => {
  const s: FreezeSchedule = {
    kind: 'schedule',
    phases: [
      { epochs: 2, freeze: 8 },
      { epochs: 3, freeze: [0, 1] },
      { epochs: 5, freeze: 0 },
    ],
  };
  assert.deepEqual(resolvePhases(s, 10), [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 3, freeze: [0, 1] },
    { startEpoch: 6, freeze: 0 },
  ]);
  assert.deepEqual(resolvePhases(s, 4), [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 3, freeze: [0, 1] },
  ]);
  const phases = resolvePhases(s, 10);
  assert.deepEqual(
    [1, 2, 3, 5, 6, 10].map((e) => phaseAt(phases, e)),
    [0, 0, 1, 1, 2, 2],
  );
});

test('gradual: one module fewer frozen every `every` epochs, the last freeze to the end', () => {
  assert.deepEqual(resolvePhases({ kind: 'gradual', from: 8, to: 5, every: 2 }, 20), [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 3, freeze: 7 },
    { startEpoch: 5, freeze: 6 },
    { startEpoch: 7, freeze: 5 },
  ]);
  assert.deepEqual(resolvePhases({ kind: 'gradual', from: 8, to: 0, every: 1 }, 3), [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 2, freeze: 7 },
    { startEpoch: 3, freeze: 6 },
  ]);
});

test("a run's freeze that is not the schedule's first phase (--freeze, a sweep's) replaces the schedule", () => {
  const exp = { freeze: 4, freezeSchedule: { kind: 'gradual', from: 4, to: 2, every: 1 } } as unknown as Experiment;
  assert.equal(runPhases(exp, 4, 5)?.length, 3);
  assert.equal(runPhases(exp, 0, 5), undefined);
  assert.equal(runPhases({ freeze: 4 } as Experiment, 4, 5), undefined);
});

test("resume builds the model with the checkpoint's freeze (its metadata), else the phase of its last finished epoch", () => {
  const phases = [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 3, freeze: 0 },
  ];
  assert.equal(freezeToBuild(phases, 8, { startEpoch: 1 }), 8);
  assert.equal(freezeToBuild(phases, 8, { startEpoch: 3 }), 8, "finished epoch 2 in phase 1: its optimizer state is phase 1's");
  assert.equal(freezeToBuild(phases, 8, { startEpoch: 3, freeze: 0 }), 0, 'stopped mid-epoch 3: the checkpoint says phase 2');
  assert.equal(freezeToBuild(phases, 8, { startEpoch: 4 }), 0);
  assert.equal(freezeToBuild(undefined, 5, { startEpoch: 4, freeze: 0 }), 5);
});

test('module multipliers: frozen and parameter-free modules 0, lrRange spread over the trainable ones', () => {
  const layer = (i: number, params: number) => ({
    name: `model.${i}.conv`,
    type: 'Conv2d',
    params: params ? [{ name: `model.${i}.conv.weight`, shape: [params], count: params }] : [],
  });
  const summary = {
    kind: 'yolov5-yaml',
    file: 'm.yaml',
    totalParams: 40,
    modules: [10, 0, 10, 10, 10].map((p, i) => ({ index: i, name: `model.${i}`, type: 'Conv', layers: p ? [layer(i, p)] : [], params: p })),
  } as ModelSummary;
  const train = { epochs: 1, batch: 1, optimizer: 'adam', lr: 1e-3, seed: 0, imgsz: 8 } as const;
  assert.deepEqual(moduleMultipliers({ ...train, lrMult: [{ from: 0, to: 2, mult: 0.1 }] }, summary, 1), [0, 0, 0.1, 1, 1]);
  const spread = moduleMultipliers({ ...train, lrRange: { min: 1e-5, max: 1e-3 } }, summary, 0);
  assert.deepEqual(
    spread.map((m) => Number(m.toPrecision(6))),
    [0.01, 0, 0.0464159, 0.215443, 1],
  );
});
