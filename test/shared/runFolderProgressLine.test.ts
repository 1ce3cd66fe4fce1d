import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EpochMetrics, ProgressEvent } from '../../src/shared/runFolder/contract';
import { parseProgressLine, progressEventProblem, VALIDATORS } from '../../src/shared/runFolder/progressLine';

const metrics: EpochMetrics = {
  epoch: 1,
  'train/loss': 0.9,
  'val/loss': 0.8,
  'val/accuracy': 0.7,
  lr: 0.01,
  epoch_seconds: 2,
  images_per_second: 500,
  tensor_bytes: 1000,
  rss_bytes: 2000,
  time: '2026-01-01T00:00:00.000Z',
};

/** One valid event of each type. A Record over the union's types: a new event type without an
 *  example here does not compile, and the runtime check below then compares it with the table. */
const VALID: { [K in ProgressEvent['type']]: Extract<ProgressEvent, { type: K }> } = {
  start: { type: 'start', run: 'r', engine: 'cpu', device: 'cpu', epochs: 3, trainableParams: 10, totalParams: 20 },
  batch: { type: 'batch', run: 'r', epoch: 1, batch: 2, batches: 9, loss: 0.5 },
  epoch: { type: 'epoch', run: 'r', metrics },
  log: { type: 'log', run: 'r', level: 'warn', message: 'hello' },
  end: { type: 'end', run: 'r', status: 'failed', error: 'boom' },
};

/** Per type: every field of the valid example with a wrong-typed value. */
const WRONG: Record<ProgressEvent['type'], Record<string, unknown>> = {
  start: { run: 1, engine: 2, device: null, epochs: '3', trainableParams: '10', totalParams: true },
  batch: { run: [], epoch: '1', batch: null, batches: '9', loss: 'x' },
  epoch: { run: 7, metrics: { ...metrics, 'val/loss': 'high' } },
  log: { run: false, level: 'debug', message: 3 },
  end: { run: {}, status: 'done', error: 42 },
};

/** Fields that may be left out. */
const OPTIONAL: Partial<Record<ProgressEvent['type'], string[]>> = { end: ['error'] };

test('the validator table covers exactly the event types, and in each every field of the example', () => {
  assert.deepEqual(Object.keys(VALIDATORS).sort(), Object.keys(VALID).sort());
  for (const [type, valid] of Object.entries(VALID)) {
    assert.deepEqual(
      Object.keys(VALIDATORS[type as ProgressEvent['type']]).sort(),
      Object.keys(valid)
        .filter((k) => k !== 'type')
        .sort(),
      type,
    );
  }
});

test('a valid line of every event type parses to the same event', () => {
  for (const e of Object.values(VALID)) {
    assert.deepEqual(parseProgressLine(JSON.stringify(e)), e, e.type);
    assert.deepEqual(parseProgressLine(`  ${JSON.stringify(e)}\r`), e, `${e.type} with surrounding whitespace`);
  }
  assert.deepEqual(parseProgressLine(JSON.stringify({ type: 'end', run: 'r', status: 'finished' })), {
    type: 'end',
    run: 'r',
    status: 'finished',
  });
});

test('a line with one field of the wrong type is rejected, for every field of every type', () => {
  for (const [type, fields] of Object.entries(WRONG) as Array<[ProgressEvent['type'], Record<string, unknown>]>) {
    const valid = VALID[type] as Record<string, unknown>;
    assert.deepEqual(
      Object.keys(fields).sort(),
      Object.keys(valid)
        .filter((k) => k !== 'type')
        .sort(),
      `${type}: every field has a wrong value`,
    );
    for (const [k, bad] of Object.entries(fields)) {
      const line = JSON.stringify({ ...valid, [k]: bad });
      assert.equal(parseProgressLine(line), undefined, `${type}.${k} = ${JSON.stringify(bad)}`);
      assert.match(progressEventProblem(JSON.parse(line)) ?? '', new RegExp(`"${k}"`), `${type}.${k}: the reason names the field`);
    }
  }
});

test('a line missing a required field is rejected, for every field of every type', () => {
  for (const [type, valid] of Object.entries(VALID) as Array<[ProgressEvent['type'], Record<string, unknown>]>) {
    for (const k of Object.keys(valid)) {
      const rest = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k));
      const parsed = parseProgressLine(JSON.stringify(rest));
      if (OPTIONAL[type]?.includes(k)) assert.deepEqual(parsed, rest, `${type}.${k} is optional`);
      else assert.equal(parsed, undefined, `${type} without ${k}`);
    }
  }
});

test('a diverged batch loss (NaN, written as null) parses back to NaN; epoch metrics keep their nulls', () => {
  const batch = parseProgressLine(JSON.stringify({ ...VALID.batch, loss: NaN }));
  assert.ok(batch?.type === 'batch' && Number.isNaN(batch.loss));
  const epoch = parseProgressLine(JSON.stringify({ ...VALID.epoch, metrics: { ...metrics, 'val/accuracy': null } }));
  assert.ok(epoch?.type === 'epoch' && epoch.metrics['val/accuracy'] === null);
});

test('unknown types, non-objects and non-JSON are not events', () => {
  for (const line of [
    '{"type":"nope","run":"r"}',
    '{"run":"r"}',
    '{"type":"constructor","run":"r"}',
    '{"type":"toString"}',
    '[1]',
    'null',
    '"x"',
    '{broken',
    'Warning: ünïcode',
    '',
  ]) {
    assert.equal(parseProgressLine(line), undefined, line);
  }
  assert.match(progressEventProblem({ type: 'nope' }) ?? '', /"type" is "nope", expected one of start, batch, epoch, log, end/);
});
