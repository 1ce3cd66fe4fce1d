// The run commands as a user meets them: checks first (workspace trusted, experiment parses),
// then the manager does the work. Commands never wait on a notification, so they return at once
// to whoever ran them (palette, view buttons, tests). The checks and pickers they share live in
// workspaceTrust, prepareExperiment, pretrainFirst, freezeValuesPick and runPick.
import * as vscode from 'vscode';
import { access } from 'node:fs/promises';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { loadExperiment } from '../../shared/experiment/parse';
import type { FreezeSpec } from '../../shared/experiment/types';
import { runsDirOf, type RunState, type RunsManager } from './runsManager';
import type { RunsTreeNode } from './runsTree';
import { singleRunName, sweepName } from '../../shared/runs/runNames';
import { progressText } from './runRowText';
import { readRunsConfig } from './runSettings';
import { refuseUnknownKeys } from './experimentProblems';
import { describeFileError } from '../../shared/system/fileErrors';
import { pickFreezeValues } from './freezeValuesPick';
import { describeSweep, sweepItems, type SweepChoice } from './sweepItems';
import { prepareExperiment } from './prepareExperiment';
import { pretrainFirst, type PretrainStep } from './pretrainFirst';
import { pickRun } from './runPick';
import { refuseUntrusted } from './workspaceTrust';

/** What a launch command did: the runs it queued, or why it queued none. */
export type LaunchOutcome = { runs: string[]; sweep?: string; pretrain?: string } | { refused: string };

/** Options a caller (a test, another command) may pass instead of answering the quick pick. */
export interface SweepArgs {
  freeze: FreezeSpec[];
  /** Add a fine_tune run (shared/runs/fineTune.ts) with this head-first freeze. */
  fineTune?: FreezeSpec;
}

export class RunCommands {
  constructor(
    private readonly manager: RunsManager,
    private readonly files: ExperimentFiles,
    private readonly tree: { readonly view: vscode.TreeView<RunsTreeNode> },
  ) {}

  private taken = (name: string) => this.manager.get(name) !== undefined;

  /** `allowUnknownKeys`: the user chose Start Anyway on the unknown keys of the experiment. */
  async startRun(allowUnknownKeys = false): Promise<LaunchOutcome> {
    const refused = refuseUntrusted();
    if (refused) return { refused };
    const prep = await prepareExperiment(this.files, 'start a run');
    if ('refused' in prep) return prep;
    const unknown = allowUnknownKeys ? undefined : refuseUnknownKeys(prep.experiment, 'start a run', () => this.startRun(true));
    if (unknown) return unknown;
    const freeze = prep.experiment.freeze;
    const name = singleRunName(freeze, new Date(), this.taken);
    let run: RunState;
    let pre: PretrainStep;
    try {
      pre = await pretrainFirst(this.manager, prep);
      if ('refused' in pre) return pre;
      run = await this.manager.enqueue(prep.folder, runsDirOf(prep.uri.fsPath), name, {
        experiment: prep.uri.fsPath,
        freeze,
        after: pre.after,
      });
    } catch (e) {
      return this.fail('Cannot start the run', e);
    }
    this.showProgress(run);
    return { runs: [name], ...(pre.pretrain ? { pretrain: pre.pretrain } : {}) };
  }

  /** A notification following one run until it ends; cancelling it stops the run. */
  private showProgress(run: RunState): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Run ${run.record.name}`, cancellable: true },
      async (progress, token) => {
        // Cancelling asks for a stop; one that fails says why, as the Stop command does.
        token.onCancellationRequested(() => {
          this.manager.stop(run).catch((e: unknown) => this.fail(`Cannot stop ${run.record.name}`, e));
        });
        let reported = 0;
        const update = () => {
          const n = run.record.epochs;
          const done = run.epochs.length;
          const pct = n ? Math.min(100, (100 * done) / n) : 0;
          progress.report({ message: progressText(run), increment: pct - reported });
          reported = pct;
        };
        const sub = this.manager.onDidChange((r) => {
          if (r === run) update();
        });
        update();
        try {
          await this.manager.whenEnded(run);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  async startSweep(args?: SweepArgs, allowUnknownKeys = false): Promise<LaunchOutcome> {
    const refused = refuseUntrusted();
    if (refused) return { refused };
    const prep = await prepareExperiment(this.files, 'start a freeze sweep');
    if ('refused' in prep) return prep;
    const unknown = allowUnknownKeys
      ? undefined
      : refuseUnknownKeys(prep.experiment, 'start a freeze sweep', () => this.startSweep(args, true));
    if (unknown) return unknown;
    let picked: SweepChoice | { refused: string };
    if (args && Array.isArray(args.freeze))
      picked = { values: args.freeze, ...(args.fineTune !== undefined ? { fineTune: args.fineTune } : {}) };
    else picked = await pickFreezeValues(prep.experiment);
    if ('refused' in picked) return picked;
    const values = picked.values;
    if (values.length === 0 && picked.fineTune === undefined) return { refused: 'no freeze value chosen' };
    const existingSweeps = new Set(this.manager.list().map((r) => r.record.sweep));
    const sweep = sweepName(new Date(), (s) => existingSweeps.has(s) || this.manager.list().some((r) => r.record.name.startsWith(`${s}-`)));
    const names: string[] = [];
    let pre: PretrainStep = {};
    try {
      pre = await pretrainFirst(this.manager, prep);
      if ('refused' in pre) return pre;
      // Local runs queue one after another; on Slurm the sweep is one job array.
      const after = pre.after;
      const items = sweepItems(prep.uri.fsPath, sweep, picked, after);
      const runs = await this.manager.enqueueSweep(prep.folder, runsDirOf(prep.uri.fsPath), items);
      names.push(...runs.map((r) => r.record.name));
    } catch (e) {
      return this.fail(`Sweep ${sweep} stopped queueing after ${names.length} runs`, e);
    }
    const job = this.manager.get(names[0] ?? '')?.record.executor;
    const max = readRunsConfig(prep.uri).maxConcurrentRuns;
    void vscode.window.showInformationMessage(
      `Freeze sweep ${sweep}: ${names.length} runs ${job?.kind === 'slurm' ? `submitted to Slurm as job array ${job.jobId.split('_')[0] || '(waiting for its pretraining)'}` : 'queued'} (${describeSweep(picked)})${job?.kind === 'slurm' ? '' : `, ${max} at a time`}.`,
    );
    return { runs: names, sweep, ...(pre.pretrain ? { pretrain: pre.pretrain } : {}) };
  }

  /** The run a command applies to: the row it was invoked on, a name, or a quick pick. */
  private resolveRun(arg: unknown, eligible: (r: RunState) => boolean, what: string): Promise<RunState | undefined> {
    return pickRun(this.manager, this.tree.view, arg, eligible, what);
  }

  async stopRun(arg?: unknown): Promise<string | undefined> {
    const refused = refuseUntrusted();
    if (refused) return refused;
    const run = await this.resolveRun(arg, (r) => this.manager.isActive(r), 'stop');
    if (!run) return undefined;
    try {
      return await this.manager.stop(run);
    } catch (e) {
      this.fail(`Cannot stop ${run.record.name}`, e);
      return undefined;
    }
  }

  async stopAllRuns(): Promise<void> {
    if (refuseUntrusted()) return;
    await this.manager.stopAll();
  }

  async resumeRun(arg?: unknown): Promise<LaunchOutcome> {
    const refused = refuseUntrusted();
    if (refused) return { refused };
    const run = await this.resolveRun(arg, (r) => r.record.status === 'stopped' || r.record.status === 'failed', 'resume');
    if (!run) return { refused: 'no run chosen' };
    // The experiment must still parse: the trainer reads it again.
    try {
      await access(run.record.experiment);
      await loadExperiment(run.record.experiment);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      void vscode.window.showErrorMessage(`Cannot resume ${run.record.name}: ${msg}`);
      return { refused: msg };
    }
    try {
      await this.manager.resume(run);
    } catch (e) {
      return this.fail(`Cannot resume ${run.record.name}`, e);
    }
    this.showProgress(run);
    return { runs: [run.record.name] };
  }

  async deleteRun(arg?: unknown): Promise<boolean> {
    if (refuseUntrusted()) return false;
    const run = await this.resolveRun(arg, (r) => !this.manager.isActive(r), 'delete');
    if (!run) return false;
    const answer = await vscode.window.showWarningMessage(
      `Delete run ${run.record.name}?`,
      { modal: true, detail: `Its folder ${run.dir} (weights, metrics, log) is removed from disk.` },
      'Delete',
    );
    if (answer !== 'Delete') return false;
    try {
      await this.manager.delete(run);
      return true;
    } catch (e) {
      this.fail(`Cannot delete ${run.record.name}`, e);
      return false;
    }
  }

  async revealRunFolder(arg?: unknown): Promise<void> {
    const run = await this.resolveRun(arg, () => true, 'reveal');
    if (run) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(run.dir));
  }

  async showRunLog(arg?: unknown): Promise<void> {
    const run = await this.resolveRun(arg, () => true, 'show the log of');
    if (run) await this.manager.logs.show(run.dir, run.record.name);
  }

  private fail(what: string, e: unknown): { refused: string } {
    const msg = `${what}: ${describeFileError(e) ?? (e instanceof Error ? e.message : String(e))}`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
}
