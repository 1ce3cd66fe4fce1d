// An experiment whose pretrained `weights` do not exist yet but that names the `pretrain`
// experiment making them: that run is queued first (named after the weights' run folder, so its
// weights land where `weights` points) and the new runs wait for it. Kept apart from the commands
// because it is the one place a launch queues a run the user did not ask for by name.
import * as vscode from 'vscode';
import { access } from 'node:fs/promises';
import * as path from 'node:path';
import { loadExperiment } from '../../shared/experiment/parse';
import type { Experiment } from '../../shared/experiment/types';
import type { RunsManager } from './runsManager';
import type { Prepared } from './prepareExperiment';
import { unlessMissing } from '../../shared/system/missingFile';

/** `after`: the run folder the new runs wait for; `pretrain`: the run queued for it. */
export type PretrainStep = { after?: string; pretrain?: string } | { refused: string };

/** Missing weights are what pretraining is for; any other failure to reach them (permission, a
 *  file in the path) is the user's to fix, so it rejects and the launch shows its message. */
async function exists(p: string): Promise<boolean> {
  return unlessMissing(
    access(p).then(() => true),
    false,
  );
}

export async function pretrainFirst(manager: RunsManager, prep: Prepared): Promise<PretrainStep> {
  const { weights, pretrain, file } = prep.experiment;
  if (!weights || !pretrain || (await exists(weights))) return {};
  const m = /^(.*)[\\/]([^\\/]+)[\\/]weights[\\/](?:best|last)(?:[\\/]model\.json)?[\\/]?$/.exec(weights);
  if (!m) {
    const msg = `${file}: weights ${weights} do not exist, and pretraining (${pretrain}) cannot make them: it writes runs/<name>/weights/best. Point weights: at such a folder, or train ${pretrain} and set weights: to its result.`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
  const [, runsDir, name] = m;
  const existing = manager.get(path.join(runsDir, name));
  if (existing) {
    if (manager.isActive(existing)) return { after: existing.dir };
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
  const run = await manager.enqueue(prep.folder, runsDir, name, { experiment: pre.file, freeze: pre.freeze });
  void vscode.window.showInformationMessage(
    `The pretrained weights ${vscode.workspace.asRelativePath(weights)} do not exist yet: pretraining run ${name} (${path.basename(pre.file)}) goes first.`,
  );
  return { after: run.dir, pretrain: name };
}
