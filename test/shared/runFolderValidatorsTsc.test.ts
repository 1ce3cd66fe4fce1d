// The progress-event validators are a table typed over the event union (ValidatorTable in
// src/shared/runFolder/progressLine.ts): a new event type, or a new field of one, without its check
// must fail to compile. Checked here by compiling small fixtures with the TypeScript compiler that
// `npm run lint` uses: a union with one more event than the table covers, an event with one more
// field than its checks, and (the control) the same with both covered.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(ROOT, 'src/shared/runFolder/__validatorFixture.ts');

/** The compiler's errors for `code` as if it were FIXTURE (nothing is written to disk). */
function compileErrors(code: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    path.resolve(file) === FIXTURE ? ts.createSourceFile(file, code, lang) : read(file, lang, ...rest);
  host.fileExists = (
    (exists) => (file: string) =>
      path.resolve(file) === FIXTURE || exists(file)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([FIXTURE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const HEADER = `import type { ProgressEvent } from './contract';
import { VALIDATORS, type ValidatorTable } from './progressLine';
import { num, str } from './shapes';
`;

test('the validator table compiles as it is, and with a new event that has its checks', () => {
  assert.deepEqual(
    compileErrors(`${HEADER}export const t: ValidatorTable<ProgressEvent> = VALIDATORS;
type WithEta = ProgressEvent | { type: 'eta'; run: string; seconds: number };
export const u: ValidatorTable<WithEta> = { ...VALIDATORS, eta: { run: str, seconds: num } };
`),
    [],
  );
});

test('a new event type without a validator does not compile', () => {
  const errors = compileErrors(`${HEADER}type WithEta = ProgressEvent | { type: 'eta'; run: string; seconds: number };
export const u: ValidatorTable<WithEta> = VALIDATORS;
`);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /Property 'eta' is missing/);
});

test('a new field of an event without its check does not compile, nor a check of a field that is not there', () => {
  const missing =
    compileErrors(`${HEADER}type E = Exclude<ProgressEvent, { type: 'log' }> | { type: 'log'; run: string; level: 'info' | 'warn' | 'error'; message: string; source?: string };
export const u: ValidatorTable<E> = VALIDATORS;
`);
  assert.equal(missing.length, 1, missing.join('\n'));
  assert.match(missing[0], /Property 'source' is missing/);
  const extra =
    compileErrors(`${HEADER}export const u: ValidatorTable<ProgressEvent> = { ...VALIDATORS, end: { ...VALIDATORS.end, code: num } };
`);
  assert.equal(extra.length, 1, extra.join('\n'));
  assert.match(extra[0], /'code' does not exist/);
});
