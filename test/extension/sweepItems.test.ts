// What Start Freeze Sweep queues when the fine_tune schedule is picked with freeze values, and how
// the trainer is started for it (`--fine-tune` on a new run; a resumed one keeps its run.json's).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { describeSweep, sweepItems } from '../../src/extension/runs/sweepItems';
import { queuedRecord } from '../../src/extension/runs/runState';
import { trainArgs } from '../../src/extension/runs/trainerCommand';

test('freeze values and the fine_tune run queue as one sweep; the fine_tune run carries its recipe into run.json', () => {
  const items = sweepItems('/w/e.yaml', 's1', { values: [0, 6], fineTune: 6 }, undefined);
  assert.deepEqual(
    items.map((i) => i.name),
    ['s1-freeze-0', 's1-freeze-6', 's1-fine-tune'],
  );
  assert.ok(items.every((i) => i.req.sweep === 's1' && i.req.experiment === '/w/e.yaml'));
  assert.equal(items[1].req.fineTune, undefined);
  assert.deepEqual(items[2].req.fineTune, { freezeEpochs: 1, lrMult: 100 });
  assert.equal(items[2].req.freeze, 6, 'the head-first phase');
  assert.deepEqual(queuedRecord('s1-fine-tune', items[2].req).fineTune, { freezeEpochs: 1, lrMult: 100 });
  assert.equal(queuedRecord('s1-freeze-6', items[1].req).fineTune, undefined);
  assert.equal(describeSweep({ values: [0, 6], fineTune: 6 }), 'freeze 0, freeze 6, fine_tune');
  assert.equal(sweepItems('/w/e.yaml', 's1', { values: [0] }, undefined).length, 1);
});

test('--fine-tune starts a new fine_tune run; a resumed one is not given it (its run.json has the recipe)', () => {
  const base = { trainerScript: '/t.js', experiment: '/w/e.yaml', name: 's1-fine-tune', runsDir: '/w/runs', freeze: 6 };
  const settings = { engine: 'auto', nodePath: '', cudaVisibleDevices: '' };
  assert.deepEqual(trainArgs({ ...base, fineTune: true }, settings).slice(9), ['--freeze', '6', '--fine-tune']);
  assert.deepEqual(trainArgs({ ...base, fineTune: true, resume: true }, settings).slice(9), ['--freeze', '6', '--resume']);
});
