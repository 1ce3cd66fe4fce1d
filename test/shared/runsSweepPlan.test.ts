// Sweep naming and freeze values: what a sweep trains and what its runs are called.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { freezeLabel, singleRunName, sweepName, sweepRunName, timeStamp, uniqueName } from '../../src/shared/runs/runNames';
import { freezeArg, isFreezeSpec, parseFreezeValues, standardFreezeChoices } from '../../src/shared/runs/sweepPlan';
import { stubModel } from '../support/stubModel';

const at = new Date(2026, 10, 26, 12, 0, 30);

test('sweep runs are named after the sweep and the freeze value', () => {
  assert.equal(timeStamp(at), '20261126-1200');
  const sweep = sweepName(at, () => false);
  assert.equal(sweep, 'sweep-20261126-1200');
  assert.equal(sweepRunName(sweep, 10), 'sweep-20261126-1200-freeze-10');
  assert.equal(sweepRunName(sweep, 0), 'sweep-20261126-1200-freeze-0');
  assert.equal(sweepRunName(sweep, [0, 3, 'model.4.bn']), 'sweep-20261126-1200-freeze-0_3_model.4.bn');
});

test('a second sweep in the same minute gets its own name', () => {
  const taken = new Set(['sweep-20261126-1200']);
  assert.equal(
    sweepName(at, (s) => taken.has(s)),
    'sweep-20261126-1200-2',
  );
  assert.equal(
    uniqueName('x', (n) => n === 'x' || n === 'x-2'),
    'x-3',
  );
  assert.equal(
    singleRunName(24, at, () => false),
    'run-20261126-1200-freeze-24',
  );
});

test('freeze labels are safe folder names', () => {
  assert.equal(freezeLabel(['model.1/../x' as string]), 'model.1_.._x');
  assert.equal(freezeLabel([]), 'none');
});

const model = stubModel;

test("the standard set is the seed's: nothing, backbone, all but head", () => {
  const c = standardFreezeChoices(model(25, 10));
  assert.deepEqual(
    c.map((x) => x.freeze),
    [0, 10, 24],
  );
  assert.deepEqual(
    c.map((x) => x.label),
    ['nothing frozen', 'backbone', 'all but head'],
  );
});

test('without a backbone section, or when it equals all-but-head, values are not repeated', () => {
  assert.deepEqual(
    standardFreezeChoices(model(5)).map((x) => x.freeze),
    [0, 4],
  );
  assert.deepEqual(
    standardFreezeChoices(model(5, 4)).map((x) => x.freeze),
    [0, 4],
  );
  assert.deepEqual(
    standardFreezeChoices(model(1)).map((x) => x.freeze),
    [0],
  );
});

test('typed freeze values: counts, lists and layer names, de-duplicated', () => {
  assert.deepEqual(parseFreezeValues('5 10, 5'), [5, 10]);
  assert.deepEqual(parseFreezeValues('[0, 3, model.4.bn] 2'), [[0, 3, 'model.4.bn'], 2]);
  assert.deepEqual(parseFreezeValues('[5]'), [[5]], 'a one-element list stays a list (module 5 only)');
  assert.deepEqual(parseFreezeValues("['model.2.conv']"), [['model.2.conv']]);
  assert.deepEqual(parseFreezeValues('model.3.bn'), [['model.3.bn']]);
});

test('bad freeze values say what is wrong', () => {
  assert.throws(() => parseFreezeValues(''), /no freeze value/);
  assert.throws(() => parseFreezeValues('abc'), /"abc" .* is not a freeze value/);
  assert.throws(() => parseFreezeValues('-1'), /not a freeze value/);
  assert.throws(() => parseFreezeValues('[0, 3'), /no closing/);
  assert.throws(() => parseFreezeValues('[]'), /write 0/);
  assert.throws(() => parseFreezeValues('30', 25), /more than the model's 25 modules/);
  assert.throws(() => parseFreezeValues('[1, 25]', 25), /module 25 does not exist: the model has modules 0–24/);
  assert.deepEqual(parseFreezeValues('25', 25), [25]);
});

test('--freeze keeps lists as lists', () => {
  assert.equal(freezeArg(10), '10');
  assert.equal(freezeArg([5]), '[5]');
  assert.equal(freezeArg([0, 'model.4.bn']), '[0,"model.4.bn"]');
  assert.deepEqual(JSON.parse(freezeArg([0, 'model.4.bn'])), [0, 'model.4.bn']);
});

test('command arguments are checked as freeze values', () => {
  assert.ok(isFreezeSpec(3) && isFreezeSpec([0, 'model.1.bn']));
  assert.ok(!isFreezeSpec(-1) && !isFreezeSpec(1.5) && !isFreezeSpec([]) && !isFreezeSpec(['rm -rf']) && !isFreezeSpec('3'));
});
