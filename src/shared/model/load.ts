// One entry point for "what modules does this model have": picks the parser by file extension.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { SettingLocation } from '../experiment/settingLocation';
import type { FileDiagnostic } from '../experiment/types';
import { parseTfjsModel, verifyWeightFiles } from './tfjsModel';
import type { ModelSummary } from './types';
import { parseYoloModel } from './yolo';
import { isTorchvisionRef } from '../experiment/torchvisionSpec';

export interface LoadModelOptions {
  /** Class count (YAML models; overrides the YAML's nc). */
  nc?: number;
  /** Square input size for output shapes (YAML models). */
  imgsz?: number;
  /** Input channels (YAML models): 1 for MNIST, 3 for RGB folders. */
  ch?: number;
  /** Where the experiment sets the image size (YAML models): size-limit errors it causes go there. */
  imgszAt?: SettingLocation;
  /** model.json only: also check that the weight shards exist and have the right size. */
  verifyWeights?: boolean;
}

export async function loadModelSummary(
  modelPath: string,
  opts: LoadModelOptions = {},
): Promise<{ summary?: ModelSummary; diagnostics: FileDiagnostic[] }> {
  if (isTorchvisionRef(modelPath)) {
    // Reached only by code that builds models without PyTorch (the tfjs engines): say which can.
    return {
      diagnostics: [
        {
          file: modelPath,
          line: 1,
          column: 1,
          severity: 'error',
          message: `${modelPath} is a torchvision model: only the \`torch\` engine (PyTorch with torchvision) builds it; run with --engine torch (transferLab.engine: torch) on a Python with torch and torchvision`,
        },
      ],
    };
  }
  const file = path.resolve(modelPath);
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    return {
      diagnostics: [
        {
          file,
          line: 1,
          column: 1,
          severity: 'error',
          message: `unsupported model file '${path.basename(file)}': use a YOLOv5-style architecture .yaml or a TensorFlow.js model.json`,
        },
      ],
    };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    return {
      diagnostics: [
        {
          file,
          line: 1,
          column: 1,
          severity: 'error',
          message: `cannot read the model file: ${reason}. Check \`model:\` in the experiment.`,
        },
      ],
    };
  }
  if (ext === '.json') {
    const { summary, manifest, diagnostics } = parseTfjsModel(text, file);
    if (summary && manifest && opts.verifyWeights) diagnostics.push(...(await verifyWeightFiles(file, text, manifest)));
    return { summary, diagnostics };
  }
  return parseYoloModel(text, file, { nc: opts.nc, imgsz: opts.imgsz, ch: opts.ch, imgszAt: opts.imgszAt });
}
