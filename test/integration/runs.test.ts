// Training runs inside a real extension host, with the real trainer (dist/trainer.js) on real MNIST
// digits: start a run and watch it finish, a sweep queued one at a time, stop (no process left)
// and resume, a broken experiment that starts nothing, and runs started outside this window.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile as writeFileFs } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunState, RunsManager } from '../../src/extension/runs/runsManager';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import { groupAlive, processRunning } from '../../src/extension/runs/processTree';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';
import type { RunRecord } from '../../src/shared/runFolder/contract';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const TRAINER = path.join(REPO, 'dist', 'trainer.js');
const MODEL = readFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), 'utf8');

/** A run that takes a second or two: two digits, 64 labels. */
function experiment(epochs: number, limit: number): string {
  return `model: runs-model.yaml
data:
  source: mnist
  classes: [0, 1]
  limit: ${limit}
train:
  epochs: ${epochs}
  batch: 16
  lr: 0.002
  seed: 0
freeze: 0
`;
}

interface Api {
  files: ExperimentFiles;
  runs: RunsRegistration;
}

async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension('transfer-lab.transfer-lab')!;
  return (await ext.activate()) as Api;
}

function launched(o: LaunchOutcome | undefined): { runs: string[]; sweep?: string } {
  assert.ok(o && 'runs' in o, `the command queued runs (${JSON.stringify(o)})`);
  return o;
}

async function diskRecord(run: RunState): Promise<RunRecord> {
  return JSON.parse(await readFile(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord;
}

/** run.json once it says `status`. For an outcome the manager records itself (a dead run settled):
 *  the run shows it a moment before the manager's write of run.json lands. */
function diskRecordSaying(run: RunState, status: RunRecord['status']): Promise<RunRecord> {
  return waitFor(
    async () => {
      const disk = await diskRecord(run);
      return disk.status === status ? disk : undefined;
    },
    `run.json of ${run.record.name} to say ${status}: the outcome is written to run.json`,
    10_000,
  );
}

const FILES = [
  'runs-model.yaml',
  'runs-tiny.experiment.yaml',
  'runs-long.experiment.yaml',
  'runs-bad.experiment.yaml',
  'runs-pre.experiment.yaml',
  'runs-transfer.experiment.yaml',
  'runs-endless.experiment.yaml',
  'runs-typo.experiment.yaml',
  'runs',
];

suite('Runs', () => {
  let a: Api;
  let manager: RunsManager;
  let tiny: vscode.Uri;
  let long: vscode.Uri;

  suiteSetup(async () => {
    assert.ok(existsSync(TRAINER), `${TRAINER} is built (npm run compile)`);
    a = await api();
    manager = a.runs.manager;
    await manager.ready;
    await writeFile('runs-model.yaml', MODEL);
    tiny = await writeFile('runs-tiny.experiment.yaml', experiment(2, 64));
    long = await writeFile('runs-long.experiment.yaml', experiment(5, 600));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    await removeFiles(FILES);
  });

  test('Start Run trains the selected experiment to the end, reading its progress and metrics', async () => {
    await a.files.select(tiny);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    assert.equal(runs.length, 1);
    const run = manager.get(runs[0])!;
    assert.ok(run, 'the run is listed at once');
    assert.equal(run.dir, path.join(workspaceUri().fsPath, 'runs', runs[0]), 'runs/ beside the experiment');
    const pid = await waitFor(() => manager.childPid(run), 'the trainer process to start');
    await waitFor(
      () => run.record.status === 'finished',
      `run ${run.record.name} to finish (now ${run.record.status}: ${run.record.error ?? ''})`,
      120_000,
    );
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2],
      'both epochs read from metrics.jsonl',
    );
    assert.ok(run.record.engine && run.record.device, 'engine and device from the trainer');
    if (run.record.engine === 'wasm') {
      // The editor keeps a core: the trainer sizes its threads to what the host gave it.
      assert.match(
        await readFile(path.join(run.dir, 'train.log'), 'utf8'),
        /wasm threads: \d \(.*; \d+ CPUs? from the editor \(it keeps one of the machine's \d+/,
      );
    }
    assert.ok((run.record.bestAccuracy ?? 0) > 0.5, `a real accuracy (${run.record.bestAccuracy})`);
    const disk = await diskRecord(run);
    assert.equal(disk.status, 'finished');
    assert.equal(disk.pid, pid, 'the process this window started wrote the record');
    // run.json says finished before the process is gone: the torch engine's trainer still closes its
    // Python worker after writing it. It must then exit on its own, promptly.
    await waitFor(async () => !(await processRunning(pid)), 'the trainer to exit after finishing', 15_000);
    assert.equal(manager.isChecked(run), true, 'a new run is checked for the comparison');
    assert.deepEqual(a.runs.runsSource.selectedForComparison().includes(run.record.name), true);
    assert.equal((await a.runs.runsSource.readEpochs(run.record.name)).length, 2, 'the comparison panel gets the same epochs');
    // The row's commands work on a finished run.
    await vscode.commands.executeCommand('transferLab.showRunLog', run.record.name);
    await vscode.commands.executeCommand('transferLab.revealRunFolder', run.record.name);
  });

  test('a trainer that fails puts its own message on the run', async () => {
    // The host cannot know this engine is missing; the trainer finds out and says so.
    const config = vscode.workspace.getConfiguration('transferLab');
    await config.update('engine', 'tfjs-node-gpu', vscode.ConfigurationTarget.Workspace);
    try {
      await a.files.select(tiny);
      const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
      const run = manager.get(runs[0])!;
      await waitFor(() => run.record.status === 'failed', `the run to fail (now ${run.record.status})`, 120_000);
      assert.match(run.record.error ?? '', /tfjs-node-gpu/, `the trainer's reason is on the row: ${run.record.error}`);
      assert.equal((await diskRecord(run)).status, 'failed');
    } finally {
      await config.update('engine', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('Show Engines asks the trainer which engines exist and which one runs use', async () => {
    const report = await vscode.commands.executeCommand<{ engines: { name: string; available: boolean }[]; chosen?: string }>(
      'transferLab.showEngines',
    );
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(report && Array.isArray(report.engines), JSON.stringify(report));
    assert.ok(
      report.engines.some((e) => e.name === 'wasm' && e.available),
      'WebAssembly is always there',
    );
    assert.equal(report.chosen, report.engines.find((e) => e.available)?.name);
  });

  test('a freeze sweep queues one run per value, one at a time, grouped under the sweep', async () => {
    await a.files.select(tiny);
    const { runs, sweep } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startSweep', { freeze: [0, 8] }));
    assert.ok(sweep && /^sweep-\d{8}-\d{4}/.test(sweep), `sweep name ${sweep}`);
    assert.deepEqual(runs, [`${sweep}-freeze-0`, `${sweep}-freeze-8`]);
    const [first, second] = runs.map((n) => manager.get(n)!);
    // transferLab.maxConcurrentRuns is 1: the second waits, and shows as queued on disk too.
    assert.deepEqual(
      manager.queued().map((r) => r.record.name),
      [second.record.name],
    );
    assert.equal((await diskRecord(second)).status, 'queued');
    await waitFor(() => first.record.status === 'finished' && second.record.status === 'finished', 'both sweep runs to finish', 180_000);
    assert.ok(Date.parse(second.record.startedAt!) >= Date.parse(first.record.endedAt!), 'the second started after the first ended');
    for (const [run, freeze] of [
      [first, 0],
      [second, 8],
    ] as const) {
      const disk = await diskRecord(run);
      assert.equal(disk.sweep, sweep, 'the trainer recorded the sweep');
      assert.deepEqual(disk.freeze, freeze);
    }
    assert.ok((second.record.trainableParams ?? 0) < (first.record.trainableParams ?? 0), 'freezing 8 modules trains fewer parameters');
  });

  test('Stop ends the trainer and everything it started; Resume continues from the checkpoint', async () => {
    await a.files.select(long);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    const pid = await waitFor(() => manager.childPid(run), 'the trainer to start');
    await waitFor(() => run.epochs.length >= 1, 'the first epoch', 120_000);
    const outcome = await vscode.commands.executeCommand<string>('transferLab.stopRun', run.record.name);
    assert.equal(outcome, 'terminated', 'SIGTERM was enough: the trainer checkpointed and exited');
    await waitFor(() => run.record.status === 'stopped', `the run to be stopped (now ${run.record.status})`);
    assert.equal(await processRunning(pid), false, `trainer ${pid} is gone`);
    assert.equal(await groupAlive(pid), false, 'no process of its group is left');
    const stoppedAt = run.epochs.length;
    assert.ok(stoppedAt < 5, `stopped before the end (${stoppedAt} epochs)`);
    assert.ok(existsSync(path.join(run.dir, 'weights', 'last', 'model.json')), 'a checkpoint was written');

    const resumed = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.resumeRun', run.record.name));
    assert.deepEqual(resumed.runs, [run.record.name]);
    await waitFor(
      () => run.record.status === 'finished',
      `the resumed run to finish (now ${run.record.status}: ${run.record.error ?? ''})`,
      180_000,
    );
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2, 3, 4, 5],
      'epochs continue after the checkpoint, none repeated',
    );
  });

  test('missing pretrained weights: the pretraining experiment runs first, then the run that needs it', async () => {
    await writeFile('runs-pre.experiment.yaml', experiment(1, 64));
    const transfer = await writeFile(
      'runs-transfer.experiment.yaml',
      experiment(1, 64).replace('freeze: 0', 'freeze: 6\nweights: runs/pre-for-transfer/weights/best\npretrain: runs-pre.experiment.yaml'),
    );
    await a.files.select(transfer);
    const o = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    assert.equal((o as { pretrain?: string }).pretrain, 'pre-for-transfer', 'the pretraining run is named after the weights folder');
    const pre = manager.get('pre-for-transfer')!;
    const run = manager.get(o.runs[0])!;
    await waitFor(
      () => run.record.status === 'finished',
      `the transfer run to finish (now ${run.record.status}: ${run.record.error ?? ''})`,
      180_000,
    );
    assert.equal(pre.record.status, 'finished');
    assert.ok(Date.parse(run.record.startedAt!) >= Date.parse(pre.record.endedAt!), 'the transfer run started after the pretraining ended');
    assert.ok((await diskRecord(run)).weightsSha256, 'it started from the pretrained weights');
  });

  test('a broken experiment shows the parser’s file:line message and starts no process', async () => {
    const bad = await writeFile(
      'runs-bad.experiment.yaml',
      'model: runs-model.yaml\ndata:\n  source: mnist\n  classes: [0, 1]\ntrain:\n  epochs: lots\n',
    );
    await a.files.select(bad);
    const before = manager.list().length;
    const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
    assert.ok(o && 'refused' in o, 'nothing was queued');
    assert.match(o.refused, /runs-bad\.experiment\.yaml:6:\d+/, `the message points at the line (${o.refused})`);
    assert.equal(manager.list().length, before, 'no run appeared');
    assert.ok(manager.list().every((r) => r.record.experiment !== bad.fsPath));
    const sweep = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startSweep', { freeze: [0] });
    assert.ok(sweep && 'refused' in sweep && /runs-bad\.experiment\.yaml:6/.test(sweep.refused));
  });

  test('a misspelt key (frezee:) is a warning at its line in the Problems panel, and Start Run refuses it with the line and the fix', async () => {
    // Ignored, it would train with nothing frozen: the run the user asked for is not the one trained.
    const typo = await writeFile('runs-typo.experiment.yaml', experiment(1, 64).replace('freeze: 0', 'frezee: 6'));
    await a.files.select(typo);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(typo).filter((x) => x.source === 'Transfer Lab' && /frezee/.test(x.message));
      return d.length ? d : undefined;
    }, 'the unknown key in the Problems panel');
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diags[0].range.start.line, 10, 'on the frezee: line');
    assert.match(diags[0].message, /unknown key 'frezee' is ignored; did you mean 'freeze'\?/);
    const before = manager.list().length;
    const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
    assert.ok(o && 'refused' in o, `nothing was queued (${JSON.stringify(o)})`);
    assert.match(o.refused, /runs-typo\.experiment\.yaml:11:1: warning: unknown key 'frezee' is ignored; did you mean 'freeze'\?/);
    assert.match(o.refused, /Start Anyway/, 'it says how to go on');
    const sweep = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startSweep', { freeze: [0] });
    assert.ok(sweep && 'refused' in sweep && /runs-typo\.experiment\.yaml:11:1/.test(sweep.refused), JSON.stringify(sweep));
    assert.equal(manager.list().length, before, 'no run appeared');
  });

  test('a trainer started outside this window is followed and can be stopped; a dead "running" record is marked failed', async () => {
    // As after a window reload: the process is not this window's child.
    const name = 'outside-run';
    const runsDir = path.join(workspaceUri().fsPath, 'runs');
    // Long enough (40 epochs) that it is still training when the stop comes, however fast the machine.
    const endless = await writeFile('runs-endless.experiment.yaml', experiment(40, 600));
    const child = spawn(process.execPath, [TRAINER, 'train', endless.fsPath, '--name', name, '--json', '--runs-dir', runsDir], {
      cwd: workspaceUri().fsPath,
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    const run = await waitFor(
      () => {
        const r = manager.get(name);
        return r?.record.status === 'running' && r.attachment === 'pid' ? r : undefined;
      },
      'the outside run to be followed by pid',
      60_000,
    );
    assert.equal(run.record.pid, child.pid);
    await waitFor(() => run.epochs.length >= 1, 'its epochs to be read', 120_000);
    assert.equal(await vscode.commands.executeCommand<string>('transferLab.stopRun', name), 'terminated');
    await waitFor(() => run.record.status === 'stopped', `the outside run to be stopped (now ${run.record.status})`);
    assert.equal(await groupAlive(child.pid!), false, 'its process group is gone');

    // A record that claims a process which no longer exists.
    const ghost = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => ghost.on('exit', r));
    const record: RunRecord = {
      name: 'ghost-run',
      status: 'running',
      experiment: tiny.fsPath,
      freeze: 0,
      pid: ghost.pid,
      startedAt: new Date().toISOString(),
      epochs: 2,
    };
    await mkdir(path.join(runsDir, 'ghost-run'), { recursive: true });
    await writeFileFs(path.join(runsDir, 'ghost-run', 'run.json'), JSON.stringify(record));
    const g = await waitFor(
      () => (manager.get('ghost-run')?.record.status === 'failed' ? manager.get('ghost-run') : undefined),
      'the ghost run to be marked failed',
    );
    assert.match(g.record.error ?? '', new RegExp(`process ${ghost.pid} ended`));
    // The row turns failed as the host starts writing run.json; the file follows a moment later.
    await waitFor(async () => (await diskRecord(g)).status === 'failed' || undefined, 'the outcome to be written to run.json');
  });

  test('a trainer killed after saving its last epoch, before recording that, is found finished, not failed (both kill points)', async () => {
    // A real run, trained where this window does not look, then copied in as a killed trainer leaves it.
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'tl-int-end-'));
    const trained = spawn(process.execPath, [TRAINER, 'train', tiny.fsPath, '--name', 'whole', '--json', '--runs-dir', scratch], {
      cwd: workspaceUri().fsPath,
      stdio: 'ignore',
    });
    assert.equal(await new Promise((r) => trained.on('exit', r)), 0, 'the run trained');
    const whole = JSON.parse(await readFile(path.join(scratch, 'whole', 'run.json'), 'utf8')) as RunRecord;
    assert.equal(whole.status, 'finished');
    assert.equal(whole.epochsDone, 2);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    // The trainer's last writes: weights/last, then epochsDone, then the status.
    const killed: Array<[string, Partial<RunRecord>]> = [
      ['killed-after-epochs-done', {}],
      ['killed-before-epochs-done', { epochsDone: 1 }],
    ];
    for (const [name, patch] of killed) {
      const dir = path.join(workspaceUri().fsPath, 'runs', name);
      await cp(path.join(scratch, 'whole'), dir, { recursive: true, filter: (src) => path.basename(src) !== 'run.json' });
      const record: RunRecord = { ...whole, ...patch, name, status: 'running', pid: dead.pid };
      delete record.endedAt;
      delete record.pidStartTime;
      await writeFileFs(path.join(dir, 'run.json'), JSON.stringify(record));
      const run = await waitFor(() => {
        const r = manager.get(name);
        return r && r.record.status !== 'running' ? r : undefined;
      }, `${name} to be settled`);
      assert.equal(run.record.status, 'finished', `${name}: ${run.record.error}`);
      assert.equal(run.record.epochsDone, 2);
      const disk = await diskRecordSaying(run, 'finished');
      assert.equal(disk.epochsDone, 2);
      assert.equal(disk.error, undefined);
      await manager.delete(run);
    }
    await rm(scratch, { recursive: true, force: true });
  });

  test('Delete Run removes a finished run from disk and from the view', async () => {
    const run = manager.list().find((r) => r.record.name === 'ghost-run')!;
    await manager.delete(run);
    assert.equal(existsSync(run.dir), false);
    assert.equal(manager.get('ghost-run'), undefined);
  });

  test('Refresh Runs lists a run folder another process wrote a moment ago, without waiting for file events', async () => {
    const dir = path.join(workspaceUri().fsPath, 'runs', 'written-outside');
    const now = new Date().toISOString();
    const record: RunRecord = {
      name: 'written-outside',
      status: 'finished',
      experiment: tiny.fsPath,
      freeze: 0,
      startedAt: now,
      endedAt: now,
      epochs: 1,
    };
    await mkdir(dir, { recursive: true });
    await writeFileFs(path.join(dir, 'run.json'), JSON.stringify(record));
    // File events come after a debounce at best: right after the command the run must already be known.
    await vscode.commands.executeCommand('transferLab.refreshRuns');
    assert.equal(manager.get('written-outside')?.record.status, 'finished');
    await manager.delete(manager.get('written-outside')!);
  });
});
