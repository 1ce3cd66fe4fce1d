// The run queue: first in, first out, never more than the limit at once.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RunQueue } from '../../src/extension/runs/runQueue';

const names = (xs: { name: string }[]) => xs.map((x) => x.name);

test('at most max entries run; the rest wait in order', () => {
  const q = new RunQueue<number>();
  for (const n of ['a', 'b', 'c', 'd']) q.enqueue(n, n.charCodeAt(0));
  assert.deepEqual(names(q.take(2)), ['a', 'b']);
  assert.deepEqual(q.take(2), [], 'the slots are full');
  assert.deepEqual(q.waitingNames, ['c', 'd']);
  q.finished('a');
  const next = q.take(2);
  assert.deepEqual(names(next), ['c']);
  assert.equal(next[0].job, 'c'.charCodeAt(0));
  assert.equal(q.runningCount, 2);
});

test('a cancelled entry never starts; cancelling a running one is refused', () => {
  const q = new RunQueue<null>();
  q.enqueue('a', null);
  q.enqueue('b', null);
  q.enqueue('c', null);
  assert.deepEqual(names(q.take(1)), ['a']);
  assert.equal(q.cancel('b'), true);
  assert.equal(q.cancel('a'), false, 'a is running, not waiting');
  q.finished('a');
  assert.deepEqual(names(q.take(1)), ['c']);
});

test('adopted processes (re-attached after a reload) count against the limit', () => {
  const q = new RunQueue<null>();
  q.adopt('old');
  q.enqueue('new', null);
  assert.deepEqual(q.take(1), []);
  q.finished('old');
  assert.deepEqual(names(q.take(1)), ['new']);
});

test('a name is queued once; limits below 1 still run one', () => {
  const q = new RunQueue<null>();
  q.enqueue('a', null);
  assert.throws(() => q.enqueue('a', null), /already queued/);
  assert.deepEqual(names(q.take(0)), ['a']);
  assert.ok(q.has('a') && !q.isWaiting('a'));
});

test('raising the limit starts more at once', () => {
  const q = new RunQueue<null>();
  for (const n of ['a', 'b', 'c']) q.enqueue(n, null);
  assert.deepEqual(names(q.take(1)), ['a']);
  assert.deepEqual(names(q.take(3)), ['b', 'c']);
});
