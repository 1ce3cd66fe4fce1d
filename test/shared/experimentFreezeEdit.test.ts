// Writing a freeze value back into an experiment: a minimal edit of the top-level value only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, findFreezeRange, rewriteFreeze } from '../../src/shared/experiment/freezeEdit';
import { formatFreeze } from '../../src/shared/freezeText';
import { load } from 'js-yaml';
import type { FreezeSpec } from '../../src/shared/experiment/types';

const DOC = `# my experiment
model: model.yaml   # the architecture
data:
  source: mnist
  classes: [0, 1]
  # nested key named freeze must not be touched:
  freeze_note: x
train:
  freeze: 99
freeze: 10 # backbone, as in the YOLOv5 guide
# trailing comment
`;

function rewrite(text: string, spec: FreezeSpec): string {
  return applyEdit(text, rewriteFreeze(text, spec));
}

test('formatFreeze writes YAML flow values', () => {
  assert.equal(formatFreeze(10, 'yaml'), '10');
  assert.equal(formatFreeze([], 'yaml'), '[]');
  assert.equal(formatFreeze([0, 1, 'model.3.bn'], 'yaml'), "[0, 1, 'model.3.bn']");
  assert.equal(formatFreeze(["it's"], 'yaml'), "['it''s']");
});

test('formatFreeze shows values to people without quotes, and the freeze edit writes YAML', () => {
  assert.equal(formatFreeze(10), '10');
  assert.equal(formatFreeze([0, 1, 'model.3.bn']), '[0, 1, model.3.bn]');
  assert.equal(rewriteFreeze('freeze: 3\n', [0, "it's"]).newText, "[0, 'it''s']");
});

test('replaces only the top-level scalar value and keeps every comment', () => {
  const edit = rewriteFreeze(DOC, [0, 1, 'model.3.bn']);
  assert.equal(DOC.slice(edit.offset, edit.offset + edit.length), '10', 'the edit covers exactly the old value');
  const out = applyEdit(DOC, edit);
  assert.equal(out, DOC.replace('freeze: 10 #', "freeze: [0, 1, 'model.3.bn'] #"));
  assert.deepEqual((load(out) as { freeze: unknown }).freeze, [0, 1, 'model.3.bn']);
  assert.deepEqual((load(out) as { train: unknown }).train, { freeze: 99 });
});

test('replaces a flow list (with quotes, brackets and # inside strings) and keeps its trailing comment', () => {
  const text = 'model: m.yaml\nfreeze: [0, \'a]#b\', "x\\"y"]   # keep me\nname: n\n';
  const out = rewrite(text, 24);
  assert.equal(out, 'model: m.yaml\nfreeze: 24   # keep me\nname: n\n');
});

test('replaces a block list with a flow value on the key line', () => {
  const text = 'model: m.yaml\nfreeze:\n  - 0\n  - 1 # last\nname: n\n';
  assert.equal(rewrite(text, 3), 'model: m.yaml\nfreeze: 3 # last\nname: n\n');
});

test('fills an empty value, with or without a comment after the key', () => {
  assert.equal(rewrite('freeze:\nmodel: m.yaml\n', 5), 'freeze: 5\nmodel: m.yaml\n');
  assert.equal(rewrite('freeze: # todo\nmodel: m.yaml\n', [2]), 'freeze: [2] # todo\nmodel: m.yaml\n');
});

test('appends a freeze line when the key is absent, keeping the line-ending style', () => {
  assert.deepEqual(rewriteFreeze('model: m.yaml\n', 10), { offset: 14, length: 0, newText: 'freeze: 10\n' });
  assert.equal(rewrite('model: m.yaml', 10), 'model: m.yaml\nfreeze: 10\n');
  assert.equal(rewrite('model: m.yaml\r\nname: x\r\n', 0), 'model: m.yaml\r\nname: x\r\nfreeze: 0\r\n');
  assert.equal(rewrite('', 1), 'freeze: 1\n');
  // only the nested train.freeze exists: the top-level key is still absent
  assert.equal(rewrite('train:\n  freeze: 4\n', 2), 'train:\n  freeze: 4\nfreeze: 2\n');
});

test('works inside a flow-style root mapping; refuses to append to one', () => {
  assert.equal(rewrite('{model: m.yaml, freeze: 3}', [1, 2]), '{model: m.yaml, freeze: [1, 2]}');
  assert.throws(() => rewriteFreeze('{model: m.yaml}', 1), /flow mapping/);
});

test('findFreezeRange reports the key position; broken YAML throws with line and column', () => {
  const r = findFreezeRange(DOC);
  assert.ok(r);
  assert.equal(r.line, 10);
  assert.equal(r.column, 1);
  assert.equal(findFreezeRange('model: m.yaml\n'), undefined);
  assert.throws(() => rewriteFreeze('model: [m.yaml\nfreeze: 1\n', 2), /line 2, column 1: YAML syntax error/);
  assert.throws(() => rewriteFreeze('- a\n', 2), /not a mapping/);
});

test('an anchored value keeps its anchor, an alias is replaced', () => {
  assert.equal(rewrite('freeze: &f 3\nx: *f\n', 4), 'freeze: &f 4\nx: *f\n');
  assert.equal(rewrite('n: &f 3\nfreeze: *f # c\n', 4), 'n: &f 3\nfreeze: 4 # c\n');
});
