// Runs on Slurm inside a real extension host: this suite starts a real one-node Slurm cluster
// (test/harness/slurmCluster.ts; the apt packages slurm-wlm and munge) and points the extension
// host's Slurm commands at it with SLURM_CONF. Start Run on an experiment with `executor: slurm`
// submits a job that the Runs view follows to the end; Stop is scancel (the trainer checkpoints);
// Resume resubmits; a freeze sweep is one job array; a reloaded window (a second RunsManager, with
// nothing but the run folders) follows a running job by its id; a bad partition fails the run
// with Slurm's own message.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import { RunLogs } from '../../src/extension/runs/runLogs';
import { RunsManager, type RunState } from '../../src/extension/runs/runsManager';
import { rowDescription } from '../../src/extension/runs/runRowText';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { startSlurmCluster, type SlurmCluster } from '../harness/slurmCluster';
import { removeFiles, waitFor, writeFile } from './util';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const TRAINER = path.join(REPO, 'dist', 'trainer.js');
const MODEL = readFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), 'utf8');

function experiment(epochs: number, slurm = ''): string {
  return `model: slurm-model.yaml
data: { source: mnist, classes: [0, 1], limit: 128 }
train: { epochs: ${epochs}, batch: 16, lr: 0.002, seed: 0 }
freeze: 0
executor: slurm
${slurm}`;
}

interface Api {
  files: ExperimentFiles;
  runs: RunsRegistration;
}

function launched(o: LaunchOutcome | undefined): { runs: string[]; sweep?: string } {
  assert.ok(o && 'runs' in o, `the command submitted runs (${JSON.stringify(o)})`);
  return o;
}

async function disk(run: RunState): Promise<RunRecord> {
  return JSON.parse(await readFile(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord;
}

function jobId(run: RunState): string {
  const ex = run.record.executor;
  return ex?.kind === 'slurm' ? ex.jobId : '';
}

const FILES = ['slurm-model.yaml', 'slurm-short.experiment.yaml', 'slurm-long.experiment.yaml', 'runs'];

suite('Slurm', () => {
  let cluster: SlurmCluster;
  let a: Api;
  let manager: RunsManager;
  let short: vscode.Uri;
  let long: vscode.Uri;
  const savedConf = process.env.SLURM_CONF;

  suiteSetup(async () => {
    assert.ok(existsSync(TRAINER), `${TRAINER} is built (npm run compile)`);
    // Fails (does not skip) with the apt packages to install when the cluster cannot start.
    cluster = await startSlurmCluster({ cpus: 4, gpus: 2 });
    process.env.SLURM_CONF = cluster.conf;
    const ext = vscode.extensions.getExtension('transfer-lab.transfer-lab')!;
    a = (await ext.activate()) as Api;
    manager = a.runs.manager;
    await manager.ready;
    await writeFile('slurm-model.yaml', MODEL);
    short = await writeFile('slurm-short.experiment.yaml', experiment(2, 'slurm:\n  cpus: 1\n'));
    long = await writeFile('slurm-long.experiment.yaml', experiment(400));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    await vscode.workspace.getConfiguration('transferLab').update('slurm.partition', undefined, vscode.ConfigurationTarget.Workspace);
    await cluster?.stop();
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    await removeFiles(FILES);
  });

  test('Start Run submits a job that the Runs view follows to the end, metrics read from the run folder', async () => {
    await a.files.select(short);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    assert.ok(run, 'the run is listed at once');
    assert.equal(run.record.executor?.kind, 'slurm', `a Slurm run (${JSON.stringify(run.record)})`);
    assert.ok(manager.isActive(run));
    assert.equal(manager.childPid(run), undefined, 'no local trainer process');
    // The trainer records finished; then the job ends (COMPLETED) and the window stops following.
    await waitFor(
      () => (run.record.status === 'finished' && !manager.isActive(run)) || undefined,
      `run ${run.record.name} to finish (now ${run.record.status}: ${run.record.error ?? ''})\n${cluster.logs()}`,
      90_000,
    );
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2],
    );
    const d = await disk(run);
    assert.deepEqual(d.executor, { kind: 'slurm', jobId: jobId(run), state: 'COMPLETED', node: 'localhost' });
    assert.ok(existsSync(path.join(run.dir, `slurm-${jobId(run)}.out`)), "the job's output is in the run folder");
    assert.match(rowDescription(run), new RegExp(`^best \\d+\\.\\d% · finished 2/2 · .* · slurm ${jobId(run)} completed(?: · .*)?$`));
  });

  test('Stop cancels the job (scancel): the trainer checkpoints and the run is stopped; Resume resubmits it with --resume', async () => {
    await a.files.select(long);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    await waitFor(() => run.epochs.length >= 1 || undefined, `a first epoch (now ${run.record.status} ${rowDescription(run)})`, 60_000);
    assert.match(rowDescription(run), new RegExp(`slurm ${jobId(run)} running on localhost`));
    const first = jobId(run);
    assert.equal(await vscode.commands.executeCommand('transferLab.stopRun', run.record.name), 'terminated');
    // The trainer records stopped first; the job's end (CANCELLED) follows.
    await waitFor(
      () => (run.record.status === 'stopped' && !manager.isActive(run)) || undefined,
      `the run to stop (now ${run.record.status})`,
      60_000,
    );
    const d = await disk(run);
    assert.equal(d.status, 'stopped');
    assert.equal(d.executor?.kind === 'slurm' && d.executor.state, 'CANCELLED');
    assert.equal(d.error, undefined);
    assert.ok((d.epochsDone ?? 0) >= 1);
    assert.ok(existsSync(path.join(run.dir, 'weights', 'last', 'model.json')), 'checkpoint written on SIGTERM');

    const resumed = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.resumeRun', run.record.name);
    assert.deepEqual(resumed, { runs: [run.record.name] });
    await waitFor(
      () => (jobId(run) !== first && run.record.status === 'running') || undefined,
      `the resubmitted job to run (now ${run.record.status} ${jobId(run)})`,
      60_000,
    );
    const script = await readFile(path.join(run.dir, 'slurm-job.sh'), 'utf8');
    assert.match(script, / --resume\n$/);
    await vscode.commands.executeCommand('transferLab.stopRun', run.record.name);
    await waitFor(() => (run.record.status === 'stopped' && !manager.isActive(run)) || undefined, 'the resumed job to stop', 60_000);
  });

  test('a reloaded window follows a running job by its id from run.json', async () => {
    await a.files.select(long);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    await waitFor(() => run.record.status === 'running' || undefined, 'the job to start', 60_000);
    // A second manager has only the run folders to go by, as a window after a reload.
    const memento = { get: <T>(_k: string, d?: T) => d, update: async () => undefined, keys: () => [] } as unknown as vscode.Memento;
    const logs = new RunLogs();
    const reloaded = new RunsManager(TRAINER, memento, logs);
    try {
      await reloaded.ready;
      const again = await waitFor(() => reloaded.get(run.dir), 'the run in the new window');
      await waitFor(() => reloaded.slurm.isFollowing(again.dir) || undefined, 'the new window to follow the job');
      assert.equal(jobId(again), jobId(run));
      assert.ok(reloaded.isActive(again));
      await waitFor(() => again.epochs.length >= 1 || undefined, 'epochs seen by the new window', 60_000);
      // Stopping from the new window reaches the same job.
      await reloaded.stop(again);
      await waitFor(
        () => (!reloaded.isActive(again) && !manager.isActive(run)) || undefined,
        `both windows to see the job end (${again.record.status}, ${run.record.status})`,
        60_000,
      );
      assert.equal(again.record.status, 'stopped');
      assert.equal((await disk(run)).status, 'stopped');
    } finally {
      // Its RunLogs stays open: log channels are per name, and disposing them would close this
      // window's channel for the same run too.
      reloaded.dispose();
    }
  });

  test('a freeze sweep is one job array', async () => {
    await a.files.select(short);
    const { runs, sweep } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startSweep', { freeze: [0, 4] }));
    const [r0, r1] = runs.map((n) => manager.get(n)!);
    const array = jobId(r0).split('_')[0];
    assert.deepEqual([jobId(r0), jobId(r1)], [`${array}_0`, `${array}_1`], `one array for sweep ${sweep}`);
    await waitFor(
      () =>
        (r0.record.status === 'finished' && r1.record.status === 'finished' && !manager.isActive(r0) && !manager.isActive(r1)) || undefined,
      `both to finish (${r0.record.status}, ${r1.record.status})`,
      90_000,
    );
    assert.deepEqual([r0.epochs.length, r1.epochs.length], [2, 2]);
  });

  test("a rejected submission (bad partition setting) fails the run with Slurm's message", async () => {
    await vscode.workspace.getConfiguration('transferLab').update('slurm.partition', 'nosuchpart', vscode.ConfigurationTarget.Workspace);
    await a.files.select(short);
    const outcome = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
    assert.ok(outcome && 'refused' in outcome, JSON.stringify(outcome));
    assert.match(outcome.refused, /Slurm rejected the job: invalid partition specified: nosuchpart/);
    const failed = manager.list().find((r) => r.record.status === 'failed' && /nosuchpart/.test(r.record.error ?? ''));
    assert.ok(failed, 'the run row is failed with the message');
    assert.match(rowDescription(failed), /failed · .*Slurm rejected the job: invalid partition/);
    assert.equal((await disk(failed)).status, 'failed');
  });
});
