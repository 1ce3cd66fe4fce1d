// bench/panel's synthetic init must be a message the webview accepts: when the contract gained the
// mAP columns and the bench's data did not, the webview ignored the init and the bench waited for a
// drawing pass that never came, until whatever ran it killed the browser.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { makeInit, type BenchInitArgs } from '../../bench/panelData';
import { hostMessageProblem } from '../../src/shared/panel/contract';
import { METRIC_KEYS } from '../../src/shared/panel/series';

const ARGS: BenchInitArgs = { runs: 3, points: 25, metricKeys: METRIC_KEYS };

test("the panel bench's init message passes the webview's validation", () => {
  assert.equal(hostMessageProblem(makeInit(ARGS)), undefined);
});

test('it does so from its source text, as the bench runs it inside the page', () => {
  // The bench sends makeInit.toString() to the page: it must not reach for anything imported.
  const fromSource = new Function(`return (${makeInit.toString()})`)() as typeof makeInit;
  const msg = fromSource(ARGS);
  assert.equal(hostMessageProblem(msg), undefined);
  assert.deepEqual(msg, makeInit(ARGS));
});
