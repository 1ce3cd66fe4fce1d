// freeze: in every form — plain (unchanged), `schedule:` phases and `gradual:` unfreezing — with each
// mistake reported at its line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseExperiment } from '../../src/shared/experiment/parse';
import type { FileDiagnostic } from '../../src/shared/experiment/types';
import { assertOneDiagnostic } from '../support/experimentDiagnostics';

const FILE = path.resolve('/work/exp/finetune.experiment.yaml');
const HEAD = 'model: model.yaml\ndata: {source: mnist, classes: [3, 5]}\ntrain: {epochs: 10}\n';

function parse(freeze: string) {
  return parseExperiment(HEAD + freeze, FILE);
}

function one(freeze: string, severity: FileDiagnostic['severity'], at: string, fragment: RegExp): void {
  assertOneDiagnostic(FILE, HEAD + freeze, severity, at, fragment);
}

test('plain forms stay valid and canonical, with no schedule', () => {
  const a = parse('freeze: 6\n').experiment!;
  assert.equal(a.freeze, 6);
  assert.equal(a.freezeSchedule, undefined);
  const b = parse("freeze: [0, 1, 'model.3.bn']\n").experiment!;
  assert.deepEqual(b.freeze, [0, 1, 'model.3.bn']);
  assert.equal(b.freezeSchedule, undefined);
  assert.equal(parse('').experiment!.freeze, 0);
});

test('a schedule: phases in order, freeze = the first phase, the last phase to the end of the run', () => {
  const flow = parse('freeze: { schedule: [ {epochs: 2, freeze: 8}, {epochs: 8, freeze: 0} ] }\n');
  assert.deepEqual(flow.diagnostics, []);
  assert.equal(flow.experiment!.freeze, 8);
  assert.deepEqual(flow.experiment!.freezeSchedule, {
    kind: 'schedule',
    phases: [
      { epochs: 2, freeze: 8 },
      { epochs: 8, freeze: 0 },
    ],
  });
  // Block form, a list freeze in a phase, and a last phase without epochs (it gets the rest).
  const block = parse(
    ['freeze:', '  schedule:', '    - epochs: 3', "      freeze: [0, 1, 'model.3.bn']", '    - freeze: 0', ''].join('\n'),
  );
  assert.deepEqual(block.diagnostics, []);
  assert.deepEqual(block.experiment!.freeze, [0, 1, 'model.3.bn']);
  assert.deepEqual(block.experiment!.freezeSchedule, {
    kind: 'schedule',
    phases: [
      { epochs: 3, freeze: [0, 1, 'model.3.bn'] },
      { epochs: 7, freeze: 0 },
    ],
  });
});

test('a last phase whose length differs from the rest of the run is a warning; it still lasts to the end', () => {
  const text = 'freeze: { schedule: [ {epochs: 2, freeze: 8}, {epochs: 3, freeze: 0} ] }\n';
  one(text, 'warning', '3, freeze: 0', /lasts to the end of the run: 8 epochs with train\.epochs: 10, not 3; write `epochs: 8`/);
  const exp = parse(text).experiment!;
  assert.deepEqual(exp.freezeSchedule, {
    kind: 'schedule',
    phases: [
      { epochs: 2, freeze: 8 },
      { epochs: 8, freeze: 0 },
    ],
  });
  one('freeze: { schedule: [ {epochs: 2, freeze: 8}, {epochs: 30, freeze: 0} ] }\n', 'warning', '30, freeze: 0', /8 epochs .* not 30/);
});

test('schedule mistakes: each at its line and column, saying what to write', () => {
  one('freeze: { schedule: [] }\n', 'error', '[]', /freeze\.schedule must be a list of phases.*got an empty list/);
  one('freeze: { schedule: 3 }\n', 'error', '3 }', /must be a list of phases.*got 3/);
  one(
    'freeze: { schedule: [4, {freeze: 0}] }\n',
    'error',
    '4, {',
    /freeze\.schedule\[0\] must be a phase such as \{epochs: 2, freeze: 8\}, got 4/,
  );
  one(
    'freeze: { schedule: [ {freeze: 8}, {freeze: 0} ] }\n',
    'error',
    '{freeze: 8}',
    /freeze\.schedule\[0\] needs `epochs:`.*only the last phase may leave it out/,
  );
  one(
    'freeze: { schedule: [ {epochs: 0, freeze: 8}, {freeze: 0} ] }\n',
    'error',
    '0, freeze: 8',
    /freeze\.schedule\[0\]\.epochs must be a whole number ≥ 1/,
  );
  one('freeze: { schedule: [ {epochs: 1.5, freeze: 8}, {freeze: 0} ] }\n', 'error', '1.5', /whole number ≥ 1.*got 1\.5/);
  one('freeze: { schedule: [ {epochs: 2}, {freeze: 0} ] }\n', 'error', '{epochs: 2}', /freeze\.schedule\[0\] needs `freeze:`/);
  one(
    'freeze: { schedule: [ {epochs: 2, freeze: -1}, {freeze: 0} ] }\n',
    'error',
    '-1',
    /freeze\.schedule\[0\]\.freeze must be a whole number ≥ 0, got -1/,
  );
  one(
    'freeze: { schedule: [ {epochs: 2, freeze: [0, 1 2]}, {freeze: 0} ] }\n',
    'error',
    '1 2',
    /freeze\.schedule\[0\]\.freeze\[1\] must be a module index/,
  );
  one(
    'freeze: { schedule: [ {epochs: 2, freeze: 8, lr: 1}, {freeze: 0} ] }\n',
    'error',
    'lr: 1',
    /unknown key 'lr' in freeze\.schedule\[0\] \(allowed: epochs, freeze\)/,
  );
  // Block form: the line and column of the nested key.
  one(
    ['freeze:', '  schedule:', '    - epochs: 2', '      freeze: ten', '    - freeze: 0', ''].join('\n'),
    'error',
    'ten',
    /freeze\.schedule\[0\]\.freeze must be a number or a list, got 'ten'/,
  );
});

test('a phase that would start after the run has ended is an error at that phase', () => {
  one(
    'freeze: { schedule: [ {epochs: 6, freeze: 8}, {epochs: 4, freeze: 4}, {freeze: 0} ] }\n',
    'error',
    '{freeze: 0} ]',
    /freeze\.schedule\[2\] would start after epoch 10, but the run has 10 epochs \(train\.epochs\): shorten the earlier phases or raise train\.epochs/,
  );
  one('freeze: { schedule: [ {epochs: 12, freeze: 8}, {freeze: 0} ] }\n', 'error', '{freeze: 0} ]', /\[1\] would start after epoch 12/);
});

test('gradual: from, to (default 0) and every (default 1); freeze = from', () => {
  const exp = parse('freeze: { gradual: { from: 8, to: 2, every: 1 } }\n').experiment!;
  assert.equal(exp.freeze, 8);
  assert.deepEqual(exp.freezeSchedule, { kind: 'gradual', from: 8, to: 2, every: 1 });
  const dflt = parse('freeze:\n  gradual:\n    from: 4\n').experiment!;
  assert.deepEqual(dflt.freezeSchedule, { kind: 'gradual', from: 4, to: 0, every: 1 });
  // Exactly long enough: freeze 0 is reached at epoch (4 − 0) × 2 + 1 = 9 of 10.
  assert.deepEqual(parse('freeze: { gradual: { from: 4, every: 2 } }\n').diagnostics, []);
});

test('gradual mistakes: each at its line and column', () => {
  one(
    'freeze: { gradual: { from: 2, to: 5 } }\n',
    'error',
    '5 }',
    /freeze\.gradual\.from \(2\) must be more than to \(5\).*write `freeze: 2`/,
  );
  one('freeze: { gradual: { from: 0 } }\n', 'error', '0 }', /freeze\.gradual\.from must be a whole number ≥ 1/);
  one('freeze: { gradual: { to: 0 } }\n', 'error', '{ to: 0 }', /freeze\.gradual needs `from:`/);
  one('freeze: { gradual: { from: 3, every: 0 } }\n', 'error', '0 }', /freeze\.gradual\.every must be a whole number ≥ 1/);
  one('freeze: { gradual: { from: 3, to: -1 } }\n', 'error', '-1', /freeze\.gradual\.to must be a whole number ≥ 0/);
  one('freeze: { gradual: { from: 3, step: 1 } }\n', 'error', 'step', /unknown key 'step' in freeze\.gradual \(allowed: from, to, every\)/);
  one('freeze: { gradual: 8 }\n', 'error', '8 }', /freeze\.gradual must be a mapping such as \{from: 8, to: 0, every: 1\}, got 8/);
  one(
    'freeze: { gradual: { from: 8, every: 2 } }\n',
    'error',
    '{ from: 8, every: 2 }',
    /reaches freeze 0 only at epoch 17, but the run has 10 epochs \(train\.epochs\): raise train\.epochs to at least 17/,
  );
});

test('a freeze mapping needs exactly one of schedule: and gradual:', () => {
  one('freeze: {}\n', 'error', '{}', /freeze as a mapping must hold `schedule:` or `gradual:`/);
  one('freeze: { gradual: { from: 3 }, schedule: [ {freeze: 0} ] }\n', 'error', 'schedule:', /both `schedule:` and `gradual:`; keep one/);
  one('freeze: { schedul: [] }\n', 'error', 'schedul', /unknown key 'schedul' in freeze; did you mean 'schedule'\?/);
  // A plain value's message now names the schedule forms too.
  one('freeze: backbone\n', 'error', 'backbone', /freeze must be a number or a list, got 'backbone'.*or a schedule: `freeze: \{schedule:/);
});
