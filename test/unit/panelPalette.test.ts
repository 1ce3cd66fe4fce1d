import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RUN_PALETTE, runColor, runColors } from '../../src/shared/panel/palette';

test('colours are distinct up to the palette size and independent of the order names come in', () => {
  const names = Array.from({ length: RUN_PALETTE.length }, (_, i) => `freeze-${i}`);
  const a = runColors(names);
  const b = runColors([...names].reverse());
  assert.equal(new Set(a.values()).size, RUN_PALETTE.length);
  for (const n of names) assert.equal(a.get(n), b.get(n));
});

test('a run keeps its colour when an unrelated run appears', () => {
  const before = runColors(['freeze-0', 'freeze-10']);
  // Find a newcomer that does not collide with either, then check both keep their colour.
  for (let i = 0; i < 50; i++) {
    const after = runColors(['freeze-0', 'freeze-10', `new-${i}`]);
    if (after.get(`new-${i}`) === before.get('freeze-0') || after.get(`new-${i}`) === before.get('freeze-10')) continue;
    assert.equal(after.get('freeze-0'), before.get('freeze-0'));
    assert.equal(after.get('freeze-10'), before.get('freeze-10'));
    return;
  }
  assert.fail('no non-colliding name found');
});

test('up to ten runs get ten clearly different colours (the main palette)', () => {
  const c = runColors(['freeze-0', 'freeze-10', 'freeze-24', 'epipe', 't1', 'a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(new Set(c.values()), new Set(RUN_PALETTE.slice(0, 10)));
});

test('runColor agrees with runColors; more runs than colours reuse the palette', () => {
  const names = ['a', 'b', 'c'];
  assert.equal(runColor('b', names), runColors(names).get('b'));
  const many = runColors(Array.from({ length: 45 }, (_, i) => `r${i}`));
  assert.equal(many.size, 45);
  for (const c of many.values()) assert.ok(RUN_PALETTE.includes(c));
});
