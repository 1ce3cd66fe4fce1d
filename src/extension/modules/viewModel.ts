// The model the Modules view shows, loaded without blocking the extension host. A torchvision model
// (`model: torchvision:resnet18`) is inspected by a Python process (2–5 s the first time, then
// cached: src/shared/torchvision/) with the Python its runs get, behind a progress bar on the view.
import * as vscode from 'vscode';
import type { Experiment, FileDiagnostic } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { ModelSummary } from '../../shared/model/types';
import { readRunsConfig } from '../runs/runSettings';
import { selectedPythonInterpreter } from '../runs/yolov5/pythonInterpreter';

export const MODULES_VIEW_ID = 'transferLab.modules';

export async function loadViewModel(exp: Experiment, text: string): Promise<{ summary?: ModelSummary; diagnostics: FileDiagnostic[] }> {
  // Shard sizes are checked too (stat only): a truncated weights.bin shows at its manifest line.
  if (!exp.torchvision) return loadExperimentModel(exp, { text, verifyWeights: true });
  const python = await hostPython(exp);
  return vscode.window.withProgress({ location: { viewId: MODULES_VIEW_ID }, title: `Inspecting ${exp.model} with PyTorch` }, () =>
    loadExperimentModel(exp, { text, python }),
  );
}

/**
 * The Python a run of this experiment gets (src/shared/python/pythonCandidates.ts), as the host knows
 * it: its `python:` (read by the loader itself), transferLab.python, else the Python extension's.
 */
export async function hostPython(exp: Experiment): Promise<{ setting?: string; editor?: string }> {
  const uri = vscode.Uri.file(exp.file);
  const setting = exp.python ? undefined : readRunsConfig(uri).python?.trim() || undefined;
  const editor = exp.python || setting ? undefined : await selectedPythonInterpreter(uri);
  return { ...(setting ? { setting } : {}), ...(editor ? { editor } : {}) };
}

/** The files whose change changes what the view shows: the model file, or a torchvision model's
 *  local state dict (torchvision's own weights live in its cache, outside the workspace). */
export function watchedModelFile(exp: Experiment): string | undefined {
  if (!exp.torchvision) return exp.model;
  return exp.torchvision.weights?.kind === 'file' ? exp.torchvision.weights.path : undefined;
}
