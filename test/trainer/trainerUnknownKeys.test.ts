// A typo in a top-level key (`frezee: 6`) is ignored by the parser, so it would train with nothing
// frozen: through the built CLI, `train` and `sweep` refuse such a file with the key's line and the
// suggestion, train with --allow-unknown-keys while keeping the warning in the run log, and
// `modules` prints the warning on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/shared/experiment/parse';
import { unknownKeys } from '../../src/shared/experiment/unknownKeys';
import { MNIST_01, writeExperiment } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-unknown-keys-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** The fixture experiment (10 lines) with two unknown keys at lines 11 and 12. */
function typoExperiment(dir: string): string {
  const file = writeExperiment(dir, 'typo.experiment.yaml', { data: MNIST_01, epochs: 1 });
  appendFileSync(file, 'frezee: 3\noptimiser: sgd\n');
  return file;
}

const FREEZE_AT = /typo\.experiment\.yaml:11:1: warning: unknown key 'frezee' is ignored; did you mean 'freeze'\?/;
const OPTIMISER_AT = /typo\.experiment\.yaml:12:1: warning: unknown key 'optimiser' is ignored; did you mean 'optimizer' under 'train:'\?/;

test('loadExperiment keeps the unknown keys as warnings, at their lines, with what was meant', async () => {
  const exp = await loadExperiment(typoExperiment(path.join(tmp, 'load')));
  assert.deepEqual(
    unknownKeys(exp).map((d) => [d.line, d.column, d.severity]),
    [
      [11, 1, 'warning'],
      [12, 1, 'warning'],
    ],
  );
  assert.equal(exp.freeze, 0, 'the misspelt freeze is not applied');
});

test('train refuses an experiment with unknown keys: the file:line, the suggestion, how to go on; no run folder', () => {
  const dir = path.join(tmp, 'refuse');
  const r = runCli(['train', typoExperiment(dir), '--json', '--name', 'typo']);
  assert.equal(r.code, 1, r.stderr);
  const end = r.events.find((e) => e.type === 'end');
  assert.ok(end && end.type === 'end' && end.status === 'failed' && end.error, JSON.stringify(end));
  assert.match(end.error, FREEZE_AT);
  assert.match(end.error, OPTIMISER_AT);
  assert.match(end.error, /Fix or remove them, or pass --allow-unknown-keys to train anyway\./);
  assert.ok(!r.events.some((e) => e.type === 'start'), 'nothing trained');
  assert.ok(!existsSync(path.join(dir, 'runs', 'typo')), 'a refused file leaves no run behind');
});

test('--allow-unknown-keys trains, and the warnings reach the run log (events and train.log)', () => {
  const dir = path.join(tmp, 'allow');
  const r = runCli(['train', typoExperiment(dir), '--json', '--name', 'typo', '--allow-unknown-keys']);
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1000));
  const warnings = r.events.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e.type === 'log' ? e.message : ''));
  assert.ok(
    warnings.some((w) => FREEZE_AT.test(w)),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => OPTIMISER_AT.test(w)),
    warnings.join('\n'),
  );
  const log = readFileSync(path.join(dir, 'runs', 'typo', 'train.log'), 'utf8');
  assert.match(log, new RegExp(`WARN .*${FREEZE_AT.source}`));
  assert.equal((JSON.parse(readFileSync(path.join(dir, 'runs', 'typo', 'run.json'), 'utf8')) as { status: string }).status, 'finished');
});

test('modules prints the warnings on stderr; sweep refuses like train', () => {
  const file = typoExperiment(path.join(tmp, 'modules'));
  const m = runCli(['modules', file]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stderr, FREEZE_AT);
  assert.match(m.stderr, OPTIMISER_AT);
  assert.match(m.stdout, /model\.0/, 'the table is still printed');

  const s = runCli(['sweep', file, '--freeze', '0', '--epochs', '1']);
  assert.equal(s.code, 1, s.stderr);
  assert.match(s.stderr, FREEZE_AT);
  assert.match(s.stderr, /pass --allow-unknown-keys to train anyway/);
  assert.ok(!existsSync(path.join(tmp, 'modules', 'runs')), 'no run started');
});

test('sweep --allow-unknown-keys passes the permission on to its runs', () => {
  const dir = path.join(tmp, 'sweep');
  const s = runCli(['sweep', typoExperiment(dir), '--freeze', '0', '--epochs', '1', '--name', 'sw', '--json', '--allow-unknown-keys'], {
    timeoutMs: 120_000,
  });
  assert.equal(s.code, 0, s.stderr.slice(-2000));
  assert.match(s.stderr, FREEZE_AT, 'the sweep warns');
  const rec = JSON.parse(readFileSync(path.join(dir, 'runs', 'sw-freeze-0', 'run.json'), 'utf8')) as { status: string };
  assert.equal(rec.status, 'finished');
  assert.match(readFileSync(path.join(dir, 'runs', 'sw-freeze-0', 'train.log'), 'utf8'), FREEZE_AT);
});
