// A checkbox click when `freeze:` is a schedule: the first phase is edited in place, the schedule and
// every comment kept; a gradual schedule takes a module count above `to` as its new `from`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, rewriteFreeze } from '../../src/shared/experiment/freezeEdit';
import { parseExperiment } from '../../src/shared/experiment/parse';
import type { FreezeSpec } from '../../src/shared/experiment/types';

function rewrite(text: string, spec: FreezeSpec): string {
  return applyEdit(text, rewriteFreeze(text, spec));
}

const HEAD = 'model: m.yaml\ndata: {source: mnist, classes: [0, 1]}\n';

test('flow schedule: only the first phase freeze changes', () => {
  const text = `${HEAD}freeze: { schedule: [ {epochs: 2, freeze: 8}, {freeze: 0} ] } # head first\n`;
  const out = rewrite(text, [0, 'model.1.bn']);
  assert.equal(out, `${HEAD}freeze: { schedule: [ {epochs: 2, freeze: [0, 'model.1.bn']}, {freeze: 0} ] } # head first\n`);
  const exp = parseExperiment(out, '/w/e.experiment.yaml').experiment!;
  assert.deepEqual(exp.freeze, [0, 'model.1.bn']);
  assert.equal(exp.freezeSchedule?.kind, 'schedule');
});

test('block schedule: a block-list first phase becomes a flow value; the later phases and comments stay', () => {
  const text = [
    'freeze:',
    '  schedule:',
    '    # the body stays frozen while the head learns',
    '    - epochs: 2',
    '      freeze:',
    '        - 0',
    '        - 1 # stem',
    '    - freeze: 0 # then everything',
    'name: x',
    '',
  ].join('\n');
  assert.equal(
    rewrite(text, 6),
    [
      'freeze:',
      '  schedule:',
      '    # the body stays frozen while the head learns',
      '    - epochs: 2',
      '      freeze: 6 # stem',
      '    - freeze: 0 # then everything',
      'name: x',
      '',
    ].join('\n'),
  );
  // Key order within the phase does not matter.
  assert.equal(
    rewrite('freeze:\n  schedule:\n    - freeze: 8\n      epochs: 2\n    - freeze: 0\n', 3),
    'freeze:\n  schedule:\n    - freeze: 3\n      epochs: 2\n    - freeze: 0\n',
  );
});

test('gradual: a module count above `to` becomes the new `from`', () => {
  assert.equal(rewrite('freeze: { gradual: { from: 8, to: 2 } } # ULMFiT\n', 5), 'freeze: { gradual: { from: 5, to: 2 } } # ULMFiT\n');
  assert.equal(rewrite('freeze:\n  gradual:\n    every: 2\n    from: 8\n', 4), 'freeze:\n  gradual:\n    every: 2\n    from: 4\n');
});

test('gradual: a list, or a count not above `to`, is refused with what to write instead', () => {
  const text = 'freeze: { gradual: { from: 8, to: 2 } }\n';
  assert.throws(
    () => rewriteFreeze(text, [0, 1]),
    /gradual schedule, which unfreezes by module count.*above `to` \(2\).*write `freeze: \{schedule: \[\.\.\.\]\}` phases/,
  );
  assert.throws(() => rewriteFreeze(text, 2), /above `to` \(2\)/);
  assert.throws(() => rewriteFreeze('freeze: { gradual: { from: 8 } }\n', 0), /above `to` \(0\)/);
});
