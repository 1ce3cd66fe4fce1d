// The one sweep freeze planner both `transfer-lab sweep` and `sweep --slurm` use.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { planFreezes, withFineTune } from '../../src/trainer/cli/planFreezes';
import { UsageError } from '../../src/trainer/cli/args';
import { stubModel } from '../support/stubModel';

const model = stubModel;

test('no --freeze values (none, or an empty list) plans the standard set with its labels', () => {
  const standard = [
    { freeze: 0, label: 'nothing frozen' },
    { freeze: 10, label: 'backbone' },
    { freeze: 24, label: 'all but head' },
  ];
  assert.deepEqual(planFreezes(model(25, 10), undefined), standard);
  assert.deepEqual(planFreezes(model(25, 10), []), standard);
});

test('--freeze values keep their order, lose duplicates, and take a standard label where they are one', () => {
  assert.deepEqual(planFreezes(model(25, 10), [5, 10, [0, 3], 5]), [
    { freeze: 5, label: '' },
    { freeze: 10, label: 'backbone' },
    { freeze: [0, 3], label: '' },
  ]);
});

test('an invalid --freeze value is a usage error naming the value', () => {
  assert.throws(
    () => planFreezes(model(25, 10), [5, [0, 'model.99']]),
    (e: Error) => e instanceof UsageError && /^--freeze \[0, model\.99\]: /.test(e.message),
  );
});

test("--fine-tune adds one fine_tune run after the freeze values: the body frozen first (fastai's recipe)", () => {
  assert.deepEqual(withFineTune(model(9, 6), planFreezes(model(9, 6), [0, 6])), [
    { freeze: 0, label: 'nothing frozen' },
    { freeze: 6, label: 'backbone' },
    { freeze: 6, label: 'fine_tune', fineTune: { freezeEpochs: 1, lrMult: 100 } },
  ]);
});
