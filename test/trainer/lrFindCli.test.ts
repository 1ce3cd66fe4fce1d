// `transfer-lab lr-find` end to end on the digits example (pretraining shortened): the range test
// runs on a copy of the pretrained weights — every file under runs/ is byte-for-byte the same
// afterwards, and no run folder appears — and writes a valid result with the losses it measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LR_FIND_DIR, parseLrFindLine, parseLrFindResult, type LrFindEvent } from '../../src/shared/lrFind/contract';
import { listRunDirs } from '../../src/shared/runFolder/readRecord';
import { ROOT, runCli, startCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-lrfind-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** sha256 of every file under `dir` (relative path → hash), the .lr-find folder left out. */
function checksums(dir: string, out: Record<string, string> = {}, base = dir): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === LR_FIND_DIR) continue;
    if (statSync(p).isDirectory()) checksums(p, out, base);
    else out[path.relative(base, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

function events(stdout: string): LrFindEvent[] {
  return stdout
    .split('\n')
    .map(parseLrFindLine)
    .filter((e): e is LrFindEvent => e !== undefined);
}

const digits = path.join(ROOT, 'examples', 'digits');
for (const f of ['model.yaml', 'transfer.experiment.yaml']) copyFileSync(path.join(digits, f), path.join(tmp, f));
// The example's pretraining with fewer labels: the weights the transfer experiment starts from.
writeFileSync(
  path.join(tmp, 'pretrain.experiment.yaml'),
  readFileSync(path.join(digits, 'pretrain.experiment.yaml'), 'utf8').replace(/limit: 1500/, 'limit: 200'),
);
const exp = path.join(tmp, 'transfer.experiment.yaml');
const runs = path.join(tmp, 'runs');

test('lr-find on the digits example: losses recorded, weights and runs untouched', async () => {
  const pre = runCli(['train', path.join(tmp, 'pretrain.experiment.yaml'), '--json', '--epochs', '1'], { cwd: tmp, timeoutMs: 120_000 });
  assert.equal(pre.code, 0, pre.stderr + pre.stdout.slice(-1000));
  const before = checksums(runs);
  assert.ok(
    Object.keys(before).some((f) => f.startsWith(path.join('pretrain', 'weights', 'best'))),
    Object.keys(before).join(', '),
  );
  const experimentText = readFileSync(exp, 'utf8');

  const r = runCli(['lr-find', exp, '--steps', '12', '--json'], { cwd: tmp, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const ev = events(r.stdout);
  const start = ev.find((e) => e.type === 'lrFindStart');
  assert.ok(start?.type === 'lrFindStart' && start.engine === 'wasm' && start.steps === 12);
  const steps = ev.filter((e) => e.type === 'lrFindStep');
  const done = ev[ev.length - 1];
  assert.ok(done.type === 'lrFindDone' && done.status === 'finished' && done.file, JSON.stringify(done));
  assert.equal(path.dirname(done.file), path.join(runs, LR_FIND_DIR));

  const result = parseLrFindResult(readFileSync(done.file, 'utf8'), done.file);
  assert.equal(result.experiment, exp);
  assert.equal(result.name, 'transfer');
  assert.equal(result.freeze, 0);
  assert.equal(result.engine, 'wasm');
  assert.equal(result.batch, 16);
  assert.equal(result.steps, 12);
  assert.ok(result.lrs.length >= 2 && result.lrs.length <= 12, `${result.lrs.length} steps`);
  assert.equal(result.lrs.length, steps.length, 'one step event per recorded step');
  assert.equal(result.lrs[0], 1e-7);
  for (let i = 1; i < result.lrs.length; i++) assert.ok(result.lrs[i] > result.lrs[i - 1]);
  assert.deepEqual(
    result.losses,
    steps.map((e) => (e.type === 'lrFindStep' ? e.loss : NaN)),
  );
  assert.ok(result.losses.every((l) => l > 0 && Number.isFinite(l)));
  assert.ok(result.suggestions.reason.length > 0);

  // Nothing written over the pretrained weights or any run, and no run folder added.
  assert.deepEqual(checksums(runs), before);
  assert.deepEqual(
    (await listRunDirs(runs)).map((d) => path.basename(d)),
    ['pretrain'],
  );
  assert.equal(readFileSync(exp, 'utf8'), experimentText);
});

test('lr-find applies the rates: a range up to 1e4 diverges, at the freeze asked for', () => {
  const r = runCli(['lr-find', exp, '--steps', '20', '--end-lr', '1e4', '--freeze', '6', '--json'], { cwd: tmp, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const done = events(r.stdout).pop();
  assert.ok(done?.type === 'lrFindDone' && done.file, JSON.stringify(done));
  const result = parseLrFindResult(readFileSync(done.file, 'utf8'), done.file);
  assert.equal(result.freeze, 6);
  assert.ok(result.end === 'diverged' || result.end === 'non-finite', `ended ${result.end} after ${result.lrs.length} steps`);
  assert.ok(result.lrs.length < 20);
});

test('lr-find refuses bad options before loading anything', () => {
  const r = runCli(['lr-find', exp, '--steps', '1'], { cwd: tmp });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--steps must be at least 2/);
  const lr = runCli(['lr-find', exp, '--start-lr', 'tiny'], { cwd: tmp });
  assert.equal(lr.code, 2);
  assert.match(lr.stderr, /--start-lr must be a positive number/);
});

test('lr-find stopped by SIGTERM (Cancel in the editor) writes nothing and says so', async () => {
  const runsDir = path.join(tmp, 'stopped-runs');
  const cli = startCli(['lr-find', exp, '--json', '--runs-dir', runsDir], { cwd: tmp });
  // Its lines are LrFindEvents: the runner's reader only parses them as JSON.
  await cli.waitFor((e) => (e as unknown as LrFindEvent).type === 'lrFindStep', 120_000);
  cli.child.kill('SIGTERM');
  const exit = await cli.exit;
  assert.equal(exit.code, 0, exit.stderr);
  const last = cli.events[cli.events.length - 1] as unknown as LrFindEvent;
  assert.deepEqual(last, { type: 'lrFindDone', status: 'stopped' });
  assert.equal(existsSync(path.join(runsDir, LR_FIND_DIR)), false, 'no result file');
});
