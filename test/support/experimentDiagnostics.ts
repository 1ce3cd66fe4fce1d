// Asserting where the experiment parser reports a problem: the single diagnostic of a kind, at the
// line and column of a given piece of the text.
import assert from 'node:assert/strict';
import { parseExperiment } from '../../src/shared/experiment/parse';
import type { FileDiagnostic } from '../../src/shared/experiment/types';

/** 1-based line and column of the last occurrence of `at` in `text`. */
export function positionIn(text: string, at: string): [number, number] {
  const offset = text.lastIndexOf(at);
  assert.ok(offset >= 0, `'${at}' is in the text`);
  const before = text.slice(0, offset).split('\n');
  return [before.length, before[before.length - 1].length + 1];
}

/** Asserts that parsing `text` gives exactly one diagnostic of `severity`, at the start of the last
 *  occurrence of `at`, its message matching `fragment`. */
export function assertOneDiagnostic(file: string, text: string, severity: FileDiagnostic['severity'], at: string, fragment: RegExp): void {
  const found = parseExperiment(text, file).diagnostics.filter((d) => d.severity === severity);
  assert.equal(found.length, 1, `one ${severity} expected, got: ${JSON.stringify(found)}`);
  assert.deepEqual([found[0].line, found[0].column], positionIn(text, at), found[0].message);
  assert.match(found[0].message, fragment);
}
