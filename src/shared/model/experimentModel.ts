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
import { InspectPython, inspectTorchvision } from '../torchvision/inspect';
import type { ModelSummary } from './types';
import type { ModelInput } from './modelInput';
import { explainFileError } from '../system/fileErrors';
import { isMissing, unlessMissing } from '../system/missingFile';

export type { ModelInput } from './modelInput';

/** `text`: the experiment's text when it differs from the file (an unsaved editor); used for lines only. */
export async function modelInputFor(exp: Experiment, text?: string): Promise<ModelInput> {
  // Lines only: the experiment was parsed from this file a moment ago. Deleted since, the model is
  // still described (without lines); unreadable for another reason, the caller hears why.
  const doc = yamlPositions(text ?? (await unlessMissing(readFile(exp.file, 'utf8'), '')), exp.file);
  if (usesYolov5(exp)) return yolov5ModelInput(exp, doc);
  const imgszAt = settingLocation(doc, exp.file, ['train', 'imgsz']);
  const input: ModelInput = { ch: 3, imgsz: exp.train.imgsz, notes: [], ...(imgszAt ? { imgszAt } : {}) };
  if (exp.data.source === 'mnist') return { ...input, nc: exp.data.classes.length, ch: 1 };
  if (exp.data.source === 'external') return input; // another external trainer: the model file's own nc
  try {
    const entries = await readdir(path.join(exp.data.path, 'train'), { withFileTypes: true });
    const classes = entries.filter((e) => e.isDirectory()).length;
    if (classes > 0) input.nc = classes;
  } catch (e) {
    // No train/ folder yet: the model's own nc. Any other failure is said, pointing at data.path.
    if (!isMissing(e)) {
      const at = settingLocation(doc, exp.file, ['data', 'path']) ?? { line: 1, column: 1 };
      const why = explainFileError(e) ?? `cannot list ${path.join(exp.data.path, 'train')}: ${e instanceof Error ? e.message : String(e)}.`;
      input.notes.push({
        file: exp.file,
        line: at.line,
        column: at.column,
        severity: 'warning',
        message: `${why} The classes are not counted from it; the model file's own class count is used.`,
      });
    }
  }
  return input;
}

/** The experiment's model summary with the input's notes and the parser's diagnostics. */
export async function loadExperimentModel(
  exp: Experiment,
  opts: { text?: string; verifyWeights?: boolean; python?: Omit<InspectPython, 'experiment'> } = {},
): Promise<{ summary?: ModelSummary; diagnostics: FileDiagnostic[] }> {
  const input = await modelInputFor(exp, opts.text);
  if (exp.torchvision) {
    // Asked of the user's torchvision (a Python process, cached): see ../torchvision/inspect.ts.
    const doc = yamlPositions(opts.text ?? (await readFile(exp.file, 'utf8').catch(() => '')), exp.file);
    const at = {
      file: exp.file,
      model: settingLocation(doc, exp.file, ['model']),
      weights: settingLocation(doc, exp.file, ['weights']),
      imgsz: input.imgszAt,
    };
    const { summary, diagnostics } = await inspectTorchvision(exp.torchvision, {
      numClasses: input.nc,
      imgsz: input.imgsz,
      python: { experiment: exp.python, ...opts.python },
      at,
    });
    return { summary, diagnostics: [...input.notes, ...diagnostics] };
  }
  const { summary, diagnostics } = await loadModelSummary(exp.model, { ...input, verifyWeights: opts.verifyWeights });
  return { summary, diagnostics: [...input.notes, ...diagnostics] };
}
