// The one Slurm follower (shared/slurm/follower.ts) that the editor and `transfer-lab … --slurm`
// both use, and its grace (shared/slurm/settle.ts): a job that looks over — missing from Slurm, or
// cancelled — while its run.json has no outcome yet is still followed for RECORD_GRACE_MS, then
// settled with the reason. The scheduler's answers are scripted and the clock is the test's; the
// run folders and run.json files are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JobInfo } from '../../src/shared/slurm/client';
import { SlurmFollower, type FollowedJob, type FollowerHooks, type JobSettled } from '../../src/shared/slurm/follower';
import { jobPhase, RECORD_GRACE_MS } from '../../src/shared/slurm/settle';
import type { RunRecord } from '../../src/shared/runFolder/contract';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-slurm-follower-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function runFolder(name: string, record: Partial<RunRecord>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeRecord(dir, record);
  return dir;
}

function writeRecord(dir: string, record: Partial<RunRecord>): void {
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ name: path.basename(dir), experiment: 'x.experiment.yaml', freeze: 0, status: 'running', ...record }),
  );
}

const info = (state: string, reason = 'None'): JobInfo => ({ id: '7', state, reason, source: 'squeue' });

/** A follower of one job whose scheduler says what `answer()` returns, on the test's clock. */
function follow(dir: string, answer: () => JobInfo | undefined | Error) {
  let now = 1_000_000;
  const settled: JobSettled[] = [];
  const states: Array<JobInfo | undefined> = [];
  const said: string[] = [];
  const hooks: FollowerHooks<FollowedJob> = {
    output: () => undefined,
    state: (_j, i) => void states.push(i),
    unreachable: (m) => void said.push(`unreachable: ${m}`),
    reachable: () => void said.push('reachable'),
    settle: async (_j, end) => void settled.push(end),
    ended: () => undefined,
  };
  const client = {
    states: async (ids: string[]) => {
      const a = answer();
      if (a instanceof Error) throw a;
      return new Map(a ? [[ids[0], a]] : []);
    },
  };
  const follower = new SlurmFollower(client, hooks, { minPollMs: 1_000, maxPollMs: 10_000, now: () => now });
  follower.add({ dir, jobId: '7', stopRequested: false });
  /** One step, `ms` after the last one (long enough for the back-off to ask the scheduler). */
  const step = async (ms = 20_000) => {
    now += ms;
    await follower.step();
  };
  return { follower, settled, states, said, step };
}

test('a job missing from Slurm for less than the grace is still followed as running', async () => {
  const dir = runFolder('missing-short', { status: 'running' });
  const f = follow(dir, () => undefined);
  await f.step();
  await f.step(RECORD_GRACE_MS - 21_000);
  assert.equal(f.settled.length, 0, 'not settled within the grace');
  assert.ok(f.follower.has(dir), 'still followed');
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).status, 'running');
});

test('a job missing for longer than the grace is settled failed, saying Slurm no longer knows it', async () => {
  const dir = runFolder('missing-long', { status: 'running' });
  const f = follow(dir, () => undefined);
  await f.step();
  await f.step(RECORD_GRACE_MS);
  assert.equal(f.settled.length, 1);
  assert.equal(f.follower.has(dir), false, 'no longer followed');
  const end = f.settled[0];
  assert.equal(end.outcome.status, 'failed');
  assert.match(end.outcome.message ?? '', /^Slurm no longer knows job 7 .*the trainer recorded no outcome; see .*slurm-7\.out$/);
  assert.equal(end.record?.status, 'failed');
  assert.equal(end.record?.error, end.outcome.message);
});

test('a job that comes back within the grace starts a fresh grace when it goes missing again', async () => {
  const dir = runFolder('flaky', { status: 'running' });
  const answers: Array<JobInfo | undefined> = [undefined, info('RUNNING'), undefined, undefined];
  const f = follow(dir, () => answers.shift());
  await f.step(); // missing: grace starts
  await f.step(RECORD_GRACE_MS - 25_000); // running again
  await f.step(); // missing again
  await f.step(RECORD_GRACE_MS - 25_000); // within the new grace, though past the first one
  assert.equal(f.settled.length, 0);
  assert.deepEqual(
    f.states.map((s) => s?.state),
    [undefined, 'RUNNING', undefined, undefined],
  );
});

test('a missing job whose trainer recorded its outcome is settled at once, with that outcome', async () => {
  const dir = runFolder('missing-recorded', { status: 'finished', epochsDone: 3 });
  const f = follow(dir, () => undefined);
  await f.step();
  assert.equal(f.settled.length, 1);
  assert.deepEqual(f.settled[0].outcome, { status: 'finished' });
});

test('a cancelled job gets the grace to record stopped; what the trainer records wins', async () => {
  const dir = runFolder('cancelled', { status: 'running', epochsDone: 2 });
  const f = follow(dir, () => info('CANCELLED'));
  await f.step();
  assert.equal(f.settled.length, 0, 'the trainer is still checkpointing');
  writeRecord(dir, { status: 'stopped', epochsDone: 2 });
  await f.step(1_000);
  assert.equal(f.settled.length, 1);
  assert.equal(f.settled[0].outcome.status, 'stopped');
  assert.match(f.settled[0].outcome.message ?? '', /cancelled outside Transfer Lab/);
  assert.equal(f.settled[0].record?.executor?.kind === 'slurm' && f.settled[0].record.executor.state, 'CANCELLED');
});

test('an unreachable controller is said once per message and the job stays followed until it answers', async () => {
  const dir = runFolder('unreachable', { status: 'running' });
  const answers: Array<JobInfo | Error> = [new Error('no controller'), new Error('no controller'), info('RUNNING')];
  const f = follow(dir, () => answers.shift() ?? info('RUNNING'));
  await f.step(RECORD_GRACE_MS * 2);
  await f.step(RECORD_GRACE_MS * 2);
  assert.equal(f.follower.problem, 'no controller');
  await f.step();
  assert.deepEqual(f.said, ['unreachable: no controller', 'reachable']);
  assert.equal(f.follower.problem, undefined);
  assert.equal(f.settled.length, 0, 'an outage settles nothing');
});

test('jobPhase: pending and running jobs are active; a failed one settles at once; graces end', () => {
  const running = { name: 'r', experiment: 'e', freeze: 0, status: 'running' } as RunRecord;
  assert.deepEqual(jobPhase(info('PENDING'), undefined, undefined, 0), { phase: 'active' });
  assert.deepEqual(jobPhase(info('RUNNING'), running, 5, 10), { phase: 'active' });
  assert.deepEqual(jobPhase(info('FAILED'), running, undefined, 10), { phase: 'settle' }, 'no SIGTERM first: nothing to wait for');
  assert.deepEqual(jobPhase(info('TIMEOUT'), running, undefined, 10), { phase: 'grace', since: 10 });
  assert.deepEqual(jobPhase(info('TIMEOUT'), running, 10, 10 + RECORD_GRACE_MS), { phase: 'settle' });
  assert.deepEqual(jobPhase(undefined, { ...running, status: 'queued' }, 10, 20), { phase: 'grace', since: 10 });
  assert.deepEqual(jobPhase(undefined, undefined, undefined, 10), { phase: 'settle' }, 'run.json gone: nothing will record');
});
