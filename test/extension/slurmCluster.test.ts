// Runs on a real one-node Slurm cluster (slurmctld + slurmd + munge from Debian's packages, started
// by this file in its own namespace, see test/harness/slurmCluster.ts): `transfer-lab train|sweep
// … --slurm` end to end with the built CLI (npm run compile), and the editor's follower (SlurmExecutor)
// reattaching to a job by its id. The cluster offers 4 CPUs and 2 (fake) GPUs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ProgressEvent, RunRecord, RunStatus } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { MetricsTail } from '../../src/shared/runFolder/metricsTail';
import { SlurmClient } from '../../src/shared/slurm/client';
import { SlurmExecutor } from '../../src/extension/runs/slurm/slurmExecutor';
import type { ExecutorHost } from '../../src/extension/runs/runExecutor';
import type { RunLogs } from '../../src/extension/runs/runLogs';
import type { RunState } from '../../src/extension/runs/runsManager';
import { startSlurmCluster, type SlurmCluster } from '../harness/slurmCluster';
import { TINY_MODEL } from '../support/trainerFixtures';
import { TRAINER, requireBuiltTrainer } from '../support/trainerCli';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-slurm-test-'));
let cluster: SlurmCluster;

before(async () => {
  requireBuiltTrainer();
  cluster = await startSlurmCluster({ cpus: 4, gpus: 2 });
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** An experiment folder: a tiny CNN on two MNIST digits; `epochs` decides how long it trains. */
function experiment(name: string, epochs: number, more = ''): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.yaml'), TINY_MODEL);
  const file = path.join(dir, `${name}.experiment.yaml`);
  writeFileSync(
    file,
    `model: model.yaml\ndata: { source: mnist, classes: [0, 1], limit: 320, valFraction: 0.05 }\ntrain: { epochs: ${epochs}, batch: 8, imgsz: 14, seed: 3 }\nexecutor: slurm\n${more}`,
  );
  return file;
}

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

interface Cli {
  child: ChildProcess;
  events: ProgressEvent[];
  stderr(): string;
  waitFor(pred: (e: ProgressEvent) => boolean, timeoutMs?: number): Promise<ProgressEvent>;
  exit: Promise<number | null>;
}

/** The built CLI, its JSON events on stdout (train) read as they come. */
function cli(args: string[], env: NodeJS.ProcessEnv = cluster.env): Cli {
  const child = spawn(process.execPath, [TRAINER, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ProgressEvent[] = [];
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) events.push(JSON.parse(line) as ProgressEvent);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (pred: (e: ProgressEvent) => boolean, timeoutMs = 40_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = events.find(pred);
      if (e) return e;
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(
          `no such event (exit ${child.exitCode}); stderr: ${err.slice(-800)}\nevents: ${events
            .filter((x) => x.type !== 'batch')
            .map((x) => JSON.stringify(x))
            .join('\n')
            .slice(-2000)}\n${cluster.logs()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, events, stderr: () => err, waitFor, exit };
}

const logOf = (c: Cli) =>
  c.events
    .filter((e): e is Extract<ProgressEvent, { type: 'log' }> => e.type === 'log')
    .map((e) => e.message)
    .join('\n');
const jobIdOf = (dir: string) => {
  const ex = record(dir).executor;
  assert.equal(ex?.kind, 'slurm');
  return ex.kind === 'slurm' ? ex.jobId : '';
};

describe('transfer-lab … --slurm on a real cluster', { concurrency: 6 }, () => {
  // First, since it waits for the controller's time-limit check (every 30 s).
  test('a time limit ends the job as TIMEOUT: the trainer checkpoints, metrics are kept, the run says why', async () => {
    // The set-up line lowers the job's priority on the machine the tests share.
    const exp = experiment('limit', 200, 'slurm:\n  time: 5\n  setup: renice -n 15 -p $$ >/dev/null\n');
    const c = cli(['train', exp, '--name', 'limit', '--json', '--slurm']);
    await c.waitFor((e) => e.type === 'epoch');
    const dir = path.join(tmp, 'limit', 'runs', 'limit');
    // The limit asked for is 5 minutes; shortening it as an administrator could makes the
    // controller end the job at its next time-limit check instead.
    await run('scontrol', ['update', `JobId=${jobIdOf(dir)}`, 'TimeLimit=0'], { env: cluster.env });
    assert.equal(await c.exit, 1, c.stderr());
    const r = record(dir);
    assert.equal(r.status, 'stopped');
    assert.equal(r.executor?.kind === 'slurm' && r.executor.state, 'TIMEOUT');
    assert.match(
      r.error ?? '',
      /time limit .*reached: Slurm ended job \d+ on node localhost \(TIMEOUT\); \d+ epochs? and weights\/last are kept; Resume resubmits it with --resume/,
    );
    assert.ok((r.epochsDone ?? 0) >= 1);
    assert.equal(readMetricsFile(path.join(dir, 'metrics.jsonl')).length, r.epochsDone);
    assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')));
    assert.match(logOf(c), /time limit .*reached/);
  });

  test('a run is submitted, trains on the node and finishes with its metrics in the run folder', async () => {
    const exp = experiment('one', 2, 'slurm:\n  cpus: 1\n  memory: 900M\n');
    const c = cli(['train', exp, '--name', 'one', '--json', '--slurm', '--job-name=tl-one']);
    assert.equal(await c.exit, 0, c.stderr() + logOf(c));
    const dir = path.join(tmp, 'one', 'runs', 'one');
    const r = record(dir);
    const id = jobIdOf(dir);
    assert.equal(r.status, 'finished');
    assert.deepEqual(r.executor, { kind: 'slurm', jobId: id, state: 'COMPLETED', node: 'localhost' });
    assert.deepEqual(
      readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
      [1, 2],
    );
    assert.ok(existsSync(path.join(dir, 'weights', 'best', 'model.json')));
    // The job's output is the trainer's own event stream, in the run folder.
    const out = readFileSync(path.join(dir, `slurm-${id}.out`), 'utf8');
    assert.match(out, /"type":"end","run":"one","status":"finished"/);
    // What was asked for reached the scheduler (the extra option after --slurm wins over the name).
    const script = readFileSync(path.join(dir, 'slurm-job.sh'), 'utf8');
    assert.match(script, /--cpus-per-task=1 --mem=900M --job-name=tl-one/);
    assert.match(script, /\nexec node .*trainer\.js train /);
    assert.ok(
      c.events.some((e) => e.type === 'epoch' && e.metrics.epoch === 2),
      "the job's epochs reached the CLI",
    );
    assert.match(logOf(c), new RegExp(`job ${id}: (pending|running on localhost)`));
    // Once the controller forgets the job (MinJobAge), its end is still known: this cluster has no
    // accounting (sacct says so), so the jobcomp/filetxt log answers.
    const client = new SlurmClient({ env: cluster.env });
    let h = await client.history(id);
    for (let i = 0; !h && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      h = await client.history(id);
    }
    assert.deepEqual(h, {
      id,
      state: 'COMPLETED',
      reason: 'None',
      node: 'localhost',
      exitCode: '0:0',
      timeLimit: 'UNLIMITED',
      source: 'jobcomp',
    });
  });

  test('a freeze sweep is one job array whose tasks run side by side, one GPU each, then the table', async () => {
    const exp = experiment('sweep', 2, 'slurm:\n  gpus: 1\n');
    const child = spawn(process.execPath, [TRAINER, 'sweep', exp, '--name', 'sw', '--freeze', '0', '--freeze', '4', '--json', '--slurm'], {
      cwd: tmp,
      env: cluster.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr.slice(-2000));
    const table = JSON.parse(stdout) as { status: string; runs: Array<{ run: string; status: string; best: number }> };
    assert.equal(table.status, 'finished');
    assert.deepEqual(
      table.runs.map((r) => [r.run, r.status]),
      [
        ['sw-freeze-0', 'finished'],
        ['sw-freeze-4', 'finished'],
      ],
    );
    const ids = ['sw-freeze-0', 'sw-freeze-4'].map((n) => jobIdOf(path.join(tmp, 'sweep', 'runs', n)));
    const array = ids[0].split('_')[0];
    assert.deepEqual(ids, [`${array}_0`, `${array}_1`]);
    for (const [i, n] of ['sw-freeze-0', 'sw-freeze-4'].entries()) {
      const dir = path.join(tmp, 'sweep', 'runs', n);
      assert.equal(record(dir).freeze, i === 0 ? 0 : 4);
      assert.equal(record(dir).sweep, 'sw');
      assert.equal(readMetricsFile(path.join(dir, 'metrics.jsonl')).length, 2);
      assert.ok(existsSync(path.join(dir, `slurm-${ids[i]}.out`)));
    }
    // An array task's end is in the jobcomp log too, under its own job id with the array's.
    const h = await new SlurmClient({ env: cluster.env }).history(ids[1]);
    assert.equal(h?.state, 'COMPLETED');
    assert.equal(h?.source, 'jobcomp');
    assert.match(readFileSync(path.join(tmp, 'sweep', 'runs', 'sw-freeze-0', 'slurm-job.sh'), 'utf8'), /--array=0-1 .*--gres=gpu:1/);
    assert.match(stderr, /"type":"sweep-run","sweep":"sw","run":"sw-freeze-4"/);
  });

  test('Ctrl+C cancels the job: scancel, the trainer checkpoints and records stopped; --resume continues it', async () => {
    const exp = experiment('stop', 200);
    const c = cli(['train', exp, '--name', 'stop', '--json', '--slurm']);
    await c.waitFor((e) => e.type === 'epoch');
    c.child.kill('SIGINT');
    assert.equal(await c.exit, 0, c.stderr());
    const dir = path.join(tmp, 'stop', 'runs', 'stop');
    const r = record(dir);
    assert.equal(r.status, 'stopped');
    assert.equal(r.executor?.kind === 'slurm' && r.executor.state, 'CANCELLED');
    assert.equal(r.error, undefined, 'a stop that was asked for needs no explanation');
    const done = r.epochsDone ?? 0;
    assert.ok(done >= 1);
    assert.equal(readMetricsFile(path.join(dir, 'metrics.jsonl')).length, done);
    assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')));
    assert.match(logOf(c), /SIGTERM received: stopping after the current batch/);

    const first = jobIdOf(dir);
    const resumed = cli(['train', exp, '--name', 'stop', '--resume', '--epochs', String(done + 1), '--json', '--slurm']);
    assert.equal(await resumed.exit, 0, resumed.stderr() + logOf(resumed));
    const r2 = record(dir);
    assert.equal(r2.status, 'finished');
    assert.notEqual(jobIdOf(dir), first, 'a new job');
    assert.deepEqual(
      readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
      Array.from({ length: done + 1 }, (_, i) => i + 1),
    );
    assert.match(logOf(resumed), /optimizer state restored/);
  });

  test("a job cancelled by someone else (an administrator's scancel) is stopped with that said, nothing lost", async () => {
    const exp = experiment('admin', 200);
    const c = cli(['train', exp, '--name', 'admin', '--json', '--slurm']);
    await c.waitFor((e) => e.type === 'epoch');
    const dir = path.join(tmp, 'admin', 'runs', 'admin');
    await run('scancel', [jobIdOf(dir)], { env: cluster.env });
    assert.equal(await c.exit, 1);
    const r = record(dir);
    assert.equal(r.status, 'stopped');
    assert.match(
      r.error ?? '',
      /job \d+ was cancelled outside Transfer Lab \(scancel by an administrator, another session, or a cluster policy\); \d+ epochs? and weights\/last are kept/,
    );
    assert.equal(readMetricsFile(path.join(dir, 'metrics.jsonl')).length, r.epochsDone);
    assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')));
  });

  test("a rejected submission (no such partition) shows Slurm's own message on the run and in the log", async () => {
    const exp = experiment('bad', 2, 'slurm:\n  partition: nosuchpart\n');
    const c = cli(['train', exp, '--name', 'bad', '--json', '--slurm']);
    assert.equal(await c.exit, 1);
    const r = record(path.join(tmp, 'bad', 'runs', 'bad'));
    assert.equal(r.status, 'failed');
    assert.match(
      r.error ?? '',
      /^Slurm rejected the job: invalid partition specified: nosuchpart; Batch job submission failed: Invalid partition name specified$/,
    );
    const end = c.events.find((e) => e.type === 'end');
    assert.deepEqual(end, { type: 'end', run: 'bad', status: 'failed', error: r.error });
  });

  test('no sbatch on PATH, or a controller that does not answer: a specific message, the run folder kept', async () => {
    const exp = experiment('nocluster', 2);
    // A PATH with node on it and no Slurm commands.
    const bin = path.join(tmp, 'node-only-bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const noSlurm = cli(['train', exp, '--name', 'nosbatch', '--json', '--slurm'], { ...cluster.env, PATH: bin });
    assert.equal(await noSlurm.exit, 1);
    const r = record(path.join(tmp, 'nocluster', 'runs', 'nosbatch'));
    assert.equal(r.status, 'failed');
    assert.match(
      r.error ?? '',
      /^sbatch was not found on PATH \(ENOENT\): Slurm's client commands must be installed where runs are submitted/,
    );

    // The same cluster's configuration, pointing at a port where no controller listens.
    const dead = path.join(tmp, 'dead.conf');
    writeFileSync(
      dead,
      readFileSync(cluster.conf, 'utf8')
        .replace(/^SlurmctldPort=.*$/m, 'SlurmctldPort=9')
        .concat('MessageTimeout=1\n'),
    );
    const unreachable = cli(['train', exp, '--name', 'unreachable', '--json', '--slurm'], { ...cluster.env, SLURM_CONF: dead });
    assert.equal(await unreachable.exit, 1);
    const u = record(path.join(tmp, 'nocluster', 'runs', 'unreachable'));
    assert.equal(u.status, 'failed');
    assert.match(u.error ?? '', /the Slurm controller is not reachable \(sbatch: .*Unable to contact slurm controller/);
    await assert.rejects(
      new SlurmClient({ env: { ...cluster.env, SLURM_CONF: dead } }).states(['1']),
      (e: Error & { kind?: string }) => e.kind === 'unreachable',
    );
  });

  test("the editor's follower reattaches to a job by its id (after a reload) and sees it through", async () => {
    const exp = experiment('reattach', 3);
    const c = cli(['train', exp, '--name', 're', '--json', '--slurm', '--detach']);
    assert.equal(await c.exit, 0, c.stderr());
    const dir = path.join(tmp, 'reattach', 'runs', 're');
    const id = jobIdOf(dir);
    assert.equal(record(dir).status, 'queued', 'submitted, not yet started: run.json names the job');

    // A fresh follower, as a reloaded window has: only the run folder to go by.
    const runState: RunState = { dir, folder: tmp, record: record(dir), epochs: [], generation: 0, stopping: false, sortTime: Date.now() };
    const tail = new MetricsTail(path.join(dir, 'metrics.jsonl'));
    const events: ProgressEvent[] = [];
    const notes: string[] = [];
    let resolveEnd: (e: { status: RunStatus; message?: string }) => void = () => undefined;
    const ended = new Promise<{ status: RunStatus; message?: string }>((r) => (resolveEnd = r));
    const logs = {
      attach: (_d: string, _n: string, h: string) => notes.push(h),
      note: (_d: string, _n: string, m: string) => notes.push(m),
      text: () => undefined,
      detach: async () => undefined,
    };
    const host: ExecutorHost = {
      logs: logs as unknown as RunLogs,
      add: () => runState,
      get: () => runState,
      changed: () => undefined,
      event: (_r, e) => events.push(e),
      readEpochs: async (r) => void r.epochs.push(...(await tail.readNew())),
      markEnded: async () => undefined,
      ended: (_r, status, message) => resolveEnd({ status, message }),
      whenEnded: () => new Promise(() => undefined),
      isActive: () => true,
      trusted: () => true,
    };
    const jobs = new SlurmExecutor(host, { trainerScript: TRAINER, engine: () => 'auto' }, new SlurmClient({ env: cluster.env }));
    try {
      jobs.follow(runState);
      assert.ok(jobs.isFollowing(dir));
      const e = await Promise.race([
        ended,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not ended; notes: ${notes.join('\n')}`)), 40_000)),
      ]);
      assert.deepEqual(e, { status: 'finished', message: undefined });
    } finally {
      jobs.dispose();
    }
    assert.equal(runState.record.status, 'finished');
    assert.deepEqual(
      runState.epochs.map((m) => m.epoch),
      [1, 2, 3],
    );
    assert.ok(
      events.some((e) => e.type === 'start') && events.some((e) => e.type === 'end'),
      "progress events read from the job's output file",
    );
    assert.ok(notes.some((n) => n.startsWith(`following Slurm job ${id}`)));
    assert.ok(
      notes.some((n) => n === `job ${id}: running on localhost` || n === `job ${id}: completed`),
      notes.join('\n'),
    );
    assert.deepEqual(record(dir).executor, { kind: 'slurm', jobId: id, state: 'COMPLETED', node: 'localhost' });
  });
});

// Alone, at the end: a node that fails takes every job on it down.
test('a node failure ends the job as NODE_FAIL: the run fails with that said, its epochs and checkpoint kept', async () => {
  const exp = experiment('nodefail', 200);
  const c = cli(['train', exp, '--name', 'nf', '--json', '--slurm']);
  await c.waitFor((e) => e.type === 'epoch');
  await run('scontrol', ['update', 'NodeName=localhost', 'State=DOWN', 'Reason=disk-failure'], { env: cluster.env });
  assert.equal(await c.exit, 1);
  const dir = path.join(tmp, 'nodefail', 'runs', 'nf');
  const r = record(dir);
  assert.equal(r.status, 'failed');
  assert.equal(r.executor?.kind === 'slurm' && r.executor.state, 'NODE_FAIL');
  assert.match(
    r.error ?? '',
    /node localhost failed while job \d+ ran \(Slurm NODE_FAIL, reason NodeDown\); \d+ epochs? and weights\/last are kept; Resume resubmits it/,
  );
  assert.ok((r.epochsDone ?? 0) >= 1);
  assert.equal(readMetricsFile(path.join(dir, 'metrics.jsonl')).length, r.epochsDone);
});
