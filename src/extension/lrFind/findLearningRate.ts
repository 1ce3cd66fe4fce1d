// "Transfer Lab: Find Learning Rate": the LR range test for the selected experiment at its current
// freeze, run by the trainer (`lr-find`) on a copy of the weights, with a cancellable progress
// notification; then the chart in the comparison panel and an offer to write the suggestion into
// the experiment. Checks first, as the run commands do: a trusted workspace, an experiment that
// parses, its unknown keys shown.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { parseLrFindResult, type LrFindEvent, type LrFindResult } from '../../shared/lrFind/contract';
import { formatLr } from '../../shared/lrFind/lrText';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { refuseUnknownKeys } from '../runs/experimentProblems';
import { prepareExperiment } from '../runs/prepareExperiment';
import { stopProcessTree } from '../runs/processTree';
import { runsDirOf } from '../runs/runsManager';
import { readRunsConfig } from '../runs/runSettings';
import { torchLaunchEnvironment } from '../runs/torchLaunchEnvironment';
import { resolveNodeRuntime, trainerEnv } from '../runs/trainerCommand';
import { refuseUntrusted } from '../runs/workspaceTrust';
import { lrFindArgs, startLrFind, type LrFindOutcome } from './lrFindLaunch';
import { offerTrainLr } from './offerTrainLr';

/** What a caller (a test) may pass instead of the defaults. */
export interface LrFindArgs {
  steps?: number;
}

export type LrFindCommandResult = { file: string; result: LrFindResult } | { stopped: true } | { refused: string };

export interface LrFindDeps {
  trainerScript: string;
  files: ExperimentFiles;
  /** Charts the result (the comparison panel). */
  show: (result: LrFindResult) => void;
}

function progressMessage(e: Extract<LrFindEvent, { type: 'lrFindStep' }>): string {
  return `step ${e.step}/${e.steps}: LR ${formatLr(e.lr)}, smoothed loss ${e.smoothed.toFixed(3)}`;
}

/** The process under a cancellable notification that follows its steps; cancelling ends its process tree. */
function runWithProgress(
  title: string,
  start: (onEvent: (e: LrFindEvent) => void) => ReturnType<typeof startLrFind>,
  graceMs: number,
): Thenable<LrFindOutcome> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    let reported = 0;
    progress.report({ message: 'starting the engine and loading the model…' });
    const proc = start((e) => {
      if (e.type !== 'lrFindStep') return;
      const pct = (100 * e.step) / e.steps;
      progress.report({ message: progressMessage(e), increment: pct - reported });
      reported = pct;
    });
    token.onCancellationRequested(() => {
      if (proc.pid !== undefined) void stopProcessTree(proc.pid, graceMs);
    });
    return proc.done;
  });
}

export async function findLearningRate(deps: LrFindDeps, args: LrFindArgs = {}, allowUnknownKeys = false): Promise<LrFindCommandResult> {
  const refused = refuseUntrusted();
  if (refused) return { refused };
  const prep = await prepareExperiment(deps.files, 'find a learning rate');
  if ('refused' in prep) return prep;
  const unknown = allowUnknownKeys
    ? undefined
    : refuseUnknownKeys(prep.experiment, 'find a learning rate', () => findLearningRate(deps, args, true));
  if (unknown) return unknown;
  const experiment = prep.uri.fsPath;
  const config = readRunsConfig(prep.uri);
  let outcome: LrFindOutcome;
  try {
    const runtime = await resolveNodeRuntime(config.nodePath);
    const env = { ...trainerEnv(runtime, config), ...(await torchLaunchEnvironment(experiment)) };
    const cmd = lrFindArgs({ trainerScript: deps.trainerScript, experiment, runsDir: runsDirOf(experiment), steps: args.steps }, config);
    outcome = await runWithProgress(
      `Finding a learning rate for ${vscode.workspace.asRelativePath(prep.uri)}`,
      (onEvent) => startLrFind({ command: runtime.command, args: cmd, cwd: prep.folder, env }, onEvent),
      config.stopTimeoutSeconds * 1000,
    );
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (outcome.status === 'stopped') return { stopped: true };
  if (outcome.status === 'failed') return fail(outcome.error);
  let result: LrFindResult;
  try {
    result = parseLrFindResult(await readFile(outcome.file, 'utf8'), outcome.file);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  deps.show(result);
  void offerTrainLr(prep.uri, result);
  return { file: outcome.file, result };
}

function fail(message: string): { refused: string } {
  const msg = `The LR finder failed: ${message}`;
  void vscode.window.showErrorMessage(msg);
  return { refused: msg };
}
