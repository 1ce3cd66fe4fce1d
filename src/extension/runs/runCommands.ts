// The run commands as a user meets them: checks first (workspace trusted, experiment parses),
// then the manager does the work. Commands never wait on a notification, so they return at once
// to whoever ran them (palette, view buttons, tests).
import * as vscode from 'vscode';
import { access } from 'node:fs/promises';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { ExperimentError, formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import * as path from 'node:path';
import { runsDirOf, type RunState, type RunsManager } from './runsManager';
import type { RunsTreeNode } from './runsTree';
import { singleRunName, sweepName, sweepRunName } from '../../shared/runs/runNames';
import { progressText } from './runRowText';
import { readRunsConfig } from './runSettings';
import { describeFreeze, FreezeValueError, parseFreezeValues, sameFreeze, standardFreezeChoices } from '../../shared/runs/sweepPlan';
import { refuseUnknownKeys, revealProblem } from './experimentProblems';
import { describeFileError } from '../../shared/system/fileErrors';

/** What a launch command did: the runs it queued, or why it queued none. */
export type LaunchOutcome = { runs: string[]; sweep?: string; pretrain?: string } | { refused: string };

/** Options a caller (a test, another command) may pass instead of answering the quick pick. */
export interface SweepArgs {
  freeze: FreezeSpec[];
}

export const UNTRUSTED_MESSAGE =
  'Transfer Lab starts no training in Restricted Mode: this workspace is not trusted. Trust it to start, stop or delete runs; the Runs view stays readable.';

/** Says why nothing runs in an untrusted workspace; true when the action must not go on. */
export function refuseUntrusted(): string | undefined {
  if (vscode.workspace.isTrusted) return undefined;
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((a) => {
    if (a) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return UNTRUSTED_MESSAGE;
}

type PretrainStep = { after?: string; pretrain?: string } | { refused: string };

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

interface Prepared {
  experiment: Experiment;
  uri: vscode.Uri;
  folder: string;
}

/** The selected experiment, saved and parsed with the shared parser; a parse error is shown with
 *  its file:line and nothing starts. */
async function prepareExperiment(files: ExperimentFiles, what: string): Promise<Prepared | { refused: string }> {
  let uri = files.current;
  if (!uri) {
    await files.scan();
    uri = files.current;
  }
  if (!uri) {
    const msg = `No experiment file to ${what}: create one with "Transfer Lab: Create Experiment".`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
  // The trainer reads the file from disk: unsaved edits would silently not apply.
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri!.toString());
  if (doc?.isDirty) await doc.save();
  try {
    const experiment = await loadExperiment(uri.fsPath);
    const folder = (vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
    if (!folder) {
      const msg = `Open a folder to ${what}: runs are written to runs/ in the workspace folder.`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    return { experiment, uri, folder };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const first = e instanceof ExperimentError ? e.diagnostics.find((d) => d.severity === 'error') : undefined;
    void vscode.window.showErrorMessage(`Cannot ${what}: ${msg}`, ...(first ? ['Open Experiment'] : [])).then(async (a) => {
      if (a && first) await revealProblem(first);
    });
    return { refused: msg };
  }
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
      pre = await this.pretrainFirst(prep);
      if ('refused' in pre) return pre;
      run = await this.manager.enqueue(prep.folder, runsDirOf(prep.uri.fsPath), name, { experiment: prep.uri.fsPath, freeze, after: pre.after });
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
        token.onCancellationRequested(() => {
          this.manager.stop(run).catch(() => undefined);
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
    const unknown = allowUnknownKeys ? undefined : refuseUnknownKeys(prep.experiment, 'start a freeze sweep', () => this.startSweep(args, true));
    if (unknown) return unknown;
    let values: FreezeSpec[] | undefined;
    if (args && Array.isArray(args.freeze)) values = args.freeze;
    else {
      const picked = await this.pickFreezeValues(prep.experiment);
      if ('refused' in picked) return picked;
      values = picked.values;
    }
    if (values.length === 0) return { refused: 'no freeze value chosen' };
    const existingSweeps = new Set(this.manager.list().map((r) => r.record.sweep));
    const sweep = sweepName(new Date(), (s) => existingSweeps.has(s) || this.manager.list().some((r) => r.record.name.startsWith(`${s}-`)));
    const names: string[] = [];
    let pre: PretrainStep = {};
    try {
      pre = await this.pretrainFirst(prep);
      if ('refused' in pre) return pre;
      // Local runs queue one after another; on Slurm the sweep is one job array.
      const after = pre.after;
      const items = values.map((freeze) => ({ name: sweepRunName(sweep, freeze), req: { experiment: prep.uri.fsPath, freeze, sweep, after } }));
      const runs = await this.manager.enqueueSweep(prep.folder, runsDirOf(prep.uri.fsPath), items);
      names.push(...runs.map((r) => r.record.name));
    } catch (e) {
      return this.fail(`Sweep ${sweep} stopped queueing after ${names.length} runs`, e);
    }
    const job = this.manager.get(names[0] ?? '')?.record.executor;
    const max = readRunsConfig(prep.uri).maxConcurrentRuns;
    void vscode.window.showInformationMessage(
      `Freeze sweep ${sweep}: ${names.length} runs ${job?.kind === 'slurm' ? `submitted to Slurm as job array ${job.jobId.split('_')[0] || '(waiting for its pretraining)'}` : 'queued'} (${values.map(describeFreeze).join(', ')})${job?.kind === 'slurm' ? '' : `, ${max} at a time`}.`,
    );
    return { runs: names, sweep, ...(pre.pretrain ? { pretrain: pre.pretrain } : {}) };
  }

  /**
   * An experiment whose pretrained `weights` do not exist yet but that names the `pretrain`
   * experiment making them: that run is queued first (named after the weights' run folder, so its
   * weights land where `weights` points) and the new runs wait for it.
   */
  private async pretrainFirst(prep: Prepared): Promise<PretrainStep> {
    const { weights, pretrain, file } = prep.experiment;
    if (!weights || !pretrain || (await exists(weights))) return {};
    const m = /^(.*)[\\/]([^\\/]+)[\\/]weights[\\/](?:best|last)(?:[\\/]model\.json)?[\\/]?$/.exec(weights);
    if (!m) {
      const msg = `${file}: weights ${weights} do not exist, and pretraining (${pretrain}) cannot make them: it writes runs/<name>/weights/best. Point weights: at such a folder, or train ${pretrain} and set weights: to its result.`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    const [, runsDir, name] = m;
    const existing = this.manager.get(path.join(runsDir, name));
    if (existing) {
      if (this.manager.isActive(existing)) return { after: existing.dir };
      const msg = `${file}: weights ${weights} do not exist, and the pretraining run ${name} is ${existing.record.status}${existing.record.error ? ` (${existing.record.error})` : ''}. Resume or delete it, then start again.`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    let pre: Experiment;
    try {
      pre = await loadExperiment(pretrain);
    } catch (e) {
      const msg = `Cannot pretrain for ${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    const run = await this.manager.enqueue(prep.folder, runsDir, name, { experiment: pre.file, freeze: pre.freeze });
    void vscode.window.showInformationMessage(`The pretrained weights ${vscode.workspace.asRelativePath(weights)} do not exist yet: pretraining run ${name} (${path.basename(pre.file)}) goes first.`);
    return { after: run.dir, pretrain: name };
  }

  private async pickFreezeValues(experiment: Experiment): Promise<{ values: FreezeSpec[] } | { refused: string }> {
    // The model as this experiment's data shapes it (input size, channels, classes).
    const { summary, diagnostics } = await loadExperimentModel(experiment);
    if (!summary) {
      const msg = `Cannot start a freeze sweep: ${formatDiagnostics(diagnostics.filter((d) => d.severity === 'error'))}`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    const moduleCount = summary.modules.length;
    const standard = standardFreezeChoices(summary);
    type Item = vscode.QuickPickItem & { freeze?: FreezeSpec; custom?: boolean };
    const items: Item[] = standard.map((c) => ({ label: describeFreeze(c.freeze), description: c.label, detail: c.detail, picked: true, freeze: c.freeze }));
    if (experiment.freeze !== undefined && !standard.some((c) => sameFreeze(c.freeze, experiment.freeze))) {
      items.push({ label: describeFreeze(experiment.freeze), description: 'as in the experiment file', picked: false, freeze: experiment.freeze });
    }
    items.push({ label: '$(edit) Custom freeze values…', description: 'type module counts or lists, e.g. 5 [0, 3]', custom: true });
    const chosen = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: 'Start Freeze Sweep',
      placeHolder: 'Freeze values to train, from the same weights, data and seed',
    });
    if (!chosen) return { refused: 'cancelled' };
    const values = chosen.filter((c) => c.freeze !== undefined).map((c) => c.freeze!);
    if (chosen.some((c) => c.custom)) {
      const text = await vscode.window.showInputBox({
        title: 'Custom freeze values',
        prompt: 'N freezes modules 0…N-1 (YOLOv5 --freeze N); [a, b, …] freezes exactly those modules or layers. Separate values with spaces.',
        placeHolder: moduleCount !== undefined ? `e.g. 3 ${Math.max(1, moduleCount - 2)} [0, 2]` : 'e.g. 3 [0, 2]',
        validateInput: (t) => {
          try {
            parseFreezeValues(t, moduleCount);
            return undefined;
          } catch (e) {
            return e instanceof FreezeValueError ? e.message : String(e);
          }
        },
      });
      if (text === undefined) return { refused: 'cancelled' };
      for (const v of parseFreezeValues(text, moduleCount)) if (!values.some((x) => sameFreeze(x, v))) values.push(v);
    }
    return { values };
  }

  /** The run a command applies to: the row it was invoked on, a name, or a quick pick. */
  private async resolveRun(arg: unknown, eligible: (r: RunState) => boolean, what: string): Promise<RunState | undefined> {
    if (arg && typeof arg === 'object') {
      const node = arg as Partial<RunsTreeNode>;
      if (node.kind === 'run' && 'run' in node && node.run) return node.run;
      if ('dir' in arg && typeof (arg as { dir: unknown }).dir === 'string') return this.manager.get((arg as { dir: string }).dir);
    }
    if (typeof arg === 'string') {
      const r = this.manager.get(arg);
      if (!r) void vscode.window.showErrorMessage(`No run named ${arg} in this workspace.`);
      return r;
    }
    const selected = this.tree.view.selection.filter((n): n is Extract<RunsTreeNode, { kind: 'run' }> => n.kind === 'run').map((n) => n.run);
    if (selected.length === 1 && eligible(selected[0])) return selected[0];
    const candidates = this.manager.list().filter(eligible);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`No run to ${what}.`);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      candidates.map((run) => ({ label: run.record.name, description: progressText(run), run })),
      { title: `Transfer Lab: ${what[0].toUpperCase()}${what.slice(1)}`, placeHolder: `Run to ${what}` },
    );
    return pick?.run;
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
