// The LR finder's result file and progress lines are checked where they are read: every field's
// type, the three series of one length, and a suggestion that is what it says it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrFindResultProblem, parseLrFindLine, parseLrFindResult } from '../../src/shared/lrFind/contract';
import { hostMessageProblem } from '../../src/shared/panel/contract';
import { sampleResult } from '../support/lrFindSample';
import { describeSuggestions, formatLr, roundLr } from '../../src/shared/lrFind/lrText';

test('a valid result passes and parses', () => {
  assert.equal(lrFindResultProblem(sampleResult()), undefined);
  assert.deepEqual(parseLrFindResult(JSON.stringify(sampleResult()), 'f.json'), sampleResult());
  assert.equal(lrFindResultProblem(sampleResult({ freeze: [0, 'model.3.bn'], suggestions: { reason: 'too few' } })), undefined);
});

test('each kind of bad result is named', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /not a JSON object/],
    [{ ...sampleResult(), version: 2 }, /"version"/],
    [{ ...sampleResult(), engine: undefined }, /"engine" is missing/],
    [{ ...sampleResult(), batch: 0 }, /"batch".*positive/],
    [{ ...sampleResult(), end: 'exploded' }, /"end"/],
    [{ ...sampleResult(), losses: [1, null, 2] }, /"losses".*finite/],
    [{ ...sampleResult(), smoothed: [1, 2] }, /differ in length/],
    [{ ...sampleResult(), freeze: { n: 1 } }, /"freeze"/],
    [{ ...sampleResult(), suggestions: { reason: 1 } }, /"suggestions".*"reason"/],
    [{ ...sampleResult(), suggestions: { steepest: -1, reason: 'x' } }, /"steepest"/],
    [{ ...sampleResult(), suggestions: { minimumTenth: 1e-4, suggested: 'steepest', lr: 1e-4, reason: 'x' } }, /not the steepest value/],
  ];
  for (const [value, re] of cases) assert.match(lrFindResultProblem(value) ?? 'passed', re, JSON.stringify(value));
});

test('parseLrFindResult names the file', () => {
  assert.throws(() => parseLrFindResult('{', '/r/.lr-find/x.json'), /\/r\/\.lr-find\/x\.json is not JSON/);
  assert.throws(() => parseLrFindResult('{}', '/r/x.json'), /\/r\/x\.json is not an LR finder result: "version"/);
});

test('progress lines: valid events parse, anything else is not an event', () => {
  assert.deepEqual(parseLrFindLine('{"type":"lrFindStep","step":1,"steps":10,"lr":1e-7,"loss":2.3,"smoothed":2.3}'), {
    type: 'lrFindStep',
    step: 1,
    steps: 10,
    lr: 1e-7,
    loss: 2.3,
    smoothed: 2.3,
  });
  assert.deepEqual(parseLrFindLine('{"type":"lrFindDone","status":"finished","file":"/r/x.json"}'), {
    type: 'lrFindDone',
    status: 'finished',
    file: '/r/x.json',
  });
  for (const bad of [
    'plain text',
    '{"type":"lrFindStep","step":"1","steps":10,"lr":1,"loss":1,"smoothed":1}',
    '{"type":"lrFindDone","status":"exploded"}',
    '{"type":"batch","run":"r","epoch":1,"batch":1,"batches":2,"loss":1}',
    '{"type":"lrFin',
  ])
    assert.equal(parseLrFindLine(bad), undefined, bad);
});

test('LR text: two significant digits in exponent form, both suggestions named', () => {
  assert.equal(formatLr(0.0012345), '1.2e-3');
  assert.equal(formatLr(3), '3.0e0');
  assert.equal(roundLr(0.0012345), 0.0012);
  const s = describeSuggestions({ steepest: 1.23e-3, minimumTenth: 4.56e-3, suggested: 'steepest', lr: 1.23e-3, reason: 'r' });
  assert.equal(s, 'suggested 1.2e-3 (steepest descent); steepest descent: 1.2e-3; minimum ÷ 10: 4.6e-3');
  assert.equal(describeSuggestions({ reason: 'too few steps' }), 'too few steps');
});

test("the panel's lrFind message carries a checked result", () => {
  assert.equal(hostMessageProblem({ type: 'lrFind', result: sampleResult() }), undefined);
  assert.match(hostMessageProblem({ type: 'lrFind', result: { ...sampleResult(), lrs: [1] } }) ?? '', /^lrFind: result .*differ in length/);
  assert.match(hostMessageProblem({ type: 'lrFind' }) ?? '', /^lrFind: result is not a JSON object/);
});
