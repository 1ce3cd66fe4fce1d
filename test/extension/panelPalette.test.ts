import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RUN_PALETTE, RunColorBook, runColor, runColors } from '../../src/extension/panel/palette';

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

test('a run keeps its colour when others are added, even a newcomer that would take its slot', () => {
  const book = new RunColorBook();
  const before = book.colors(['s1-freeze-0', 's1-freeze-6']);
  // A newcomer that sorts first and hashes onto an existing run's colour: placed afresh by name,
  // it would take that colour and push the old run to another.
  let newcomer: string | undefined;
  for (let i = 0; i < 500 && !newcomer; i++) {
    const n = `a-${i}`;
    const fresh = runColors(['s1-freeze-0', 's1-freeze-6', n]);
    if (fresh.get('s1-freeze-0') !== before.get('s1-freeze-0') || fresh.get('s1-freeze-6') !== before.get('s1-freeze-6')) newcomer = n;
  }
  assert.ok(newcomer, 'no colliding name found');
  const after = book.colors(['s1-freeze-0', 's1-freeze-6', newcomer]);
  assert.equal(after.get('s1-freeze-0'), before.get('s1-freeze-0'));
  assert.equal(after.get('s1-freeze-6'), before.get('s1-freeze-6'));
  assert.equal(new Set(after.values()).size, 3, 'the newcomer gets a colour of its own');
});

test('a saved book restores the colours it gave; junk in the saved state is ignored', () => {
  let saved: Record<string, string> = {};
  const book = new RunColorBook(undefined, (g) => (saved = g));
  const first = book.colors(['x', 'y']);
  book.colors(['x', 'y', 'z']);
  const again = new RunColorBook({ ...saved, bad: 'red', worse: 3 });
  const got = again.colors(['z', 'y', 'x']);
  for (const n of ['x', 'y']) assert.equal(got.get(n), first.get(n));
  assert.equal(got.get('z'), saved.z);
  assert.ok(RUN_PALETTE.includes(again.colors(['bad']).get('bad')!));
});
