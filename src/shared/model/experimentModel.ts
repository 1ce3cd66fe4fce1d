// The model as an experiment's trainer will build it: what the Modules view shows, what
// `transfer-lab modules` prints and what runs count, all from this one input — class count,
// channels and image size from the experiment's data (for `trainer: yolov5`, from YOLOv5's dataset
// YAML and yolov5.img), and where the image size is set, so a size-limit error can point there.
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { settingLocation, yamlPositions } from '../experiment/settingLocation';
import type { Experiment, FileDiagnostic } from '../experiment/types';
import { usesYolov5 } from '../yolov5/settings';
import { yolov5ModelInput } from '../yolov5/modelInput';
import { loadModelSummary } from './load';
import { inspectTorchvision } from '../torchvision/inspect';
import type { ModelSummary } from './types';
import type { ModelInput } from './modelInput';

export type { ModelInput } from './modelInput';

/** `text`: the experiment's text when it differs from the file (an unsaved editor); used for lines only. */
export async function modelInputFor(exp: Experiment, text?: string): Promise<ModelInput> {
  const doc = yamlPositions(text ?? (await readFile(exp.file, 'utf8').catch(() => '')), exp.file);
  if (usesYolov5(exp)) return yolov5ModelInput(exp, doc);
  const imgszAt = settingLocation(doc, exp.file, ['train', 'imgsz']);
  const input: ModelInput = { ch: 3, imgsz: exp.train.imgsz, notes: [], ...(imgszAt ? { imgszAt } : {}) };
  if (exp.data.source === 'mnist') return { ...input, nc: exp.data.classes.length, ch: 1 };
  if (exp.data.source === 'external') return input; // another external trainer: the model file's own nc
  try {
    const entries = await readdir(path.join(exp.data.path, 'train'), { withFileTypes: true });
    const classes = entries.filter((e) => e.isDirectory()).length;
    if (classes > 0) input.nc = classes;
  } catch {
    // no train/ folder yet: the model's own nc
  }
  return input;
}

/** The experiment's model summary with the input's notes and the parser's diagnostics. */
export async function loadExperimentModel(
  exp: Experiment,
  opts: { text?: string; verifyWeights?: boolean; python?: string } = {},
): Promise<{ summary?: ModelSummary; diagnostics: FileDiagnostic[] }> {
  const input = await modelInputFor(exp, opts.text);
  if (exp.torchvision) {
    // Asked of the user's torchvision (a Python process, cached): see ../torchvision/inspect.ts.
    const doc = yamlPositions(opts.text ?? (await readFile(exp.file, 'utf8').catch(() => '')), exp.file);
    const at = { file: exp.file, model: settingLocation(doc, exp.file, ['model']), weights: settingLocation(doc, exp.file, ['weights']), imgsz: input.imgszAt };
    const { summary, diagnostics } = await inspectTorchvision(exp.torchvision, { numClasses: input.nc, imgsz: input.imgsz, python: opts.python, at });
    return { summary, diagnostics: [...input.notes, ...diagnostics] };
  }
  const { summary, diagnostics } = await loadModelSummary(exp.model, { ...input, verifyWeights: opts.verifyWeights });
  return { summary, diagnostics: [...input.notes, ...diagnostics] };
}
