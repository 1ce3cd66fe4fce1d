// The model as YOLOv5's train.py builds it for a `trainer: yolov5` experiment: the dataset YAML's
// class count (1 with --single-cls), three input channels, and --img as check_img_size turns it into
// the size it trains at (up to a multiple of the model's largest stride, at least two strides). The
// Modules view, `transfer-lab modules` and the run's run.json all count with this input, so they
// agree with each other and with the model summary YOLOv5 prints.
import * as path from 'node:path';
import { moduleInputIndices } from '../cost/prefixCache';
import { settingLocation } from '../experiment/settingLocation';
import type { Experiment, FileDiagnostic } from '../experiment/types';
import type { YamlDocument, YamlPath } from '../experiment/yamlPositions';
import { positionOf } from '../experiment/yamlPositions';
import type { ModelInput } from '../model/modelInput';
import { loadModelSummary } from '../model/load';
import { YOLOV5_DEFAULT_DATA, yolov5DatasetClasses } from './datasetClasses';
import { readYolov5Section, YOLOV5_KEY } from './settings';

/** train.py's --img when none is given. */
export const YOLOV5_DEFAULT_IMG = 640;
/** Said instead of a cache speed-up: YOLOv5 trains every step through the whole model. */
export const YOLOV5_NO_PREFIX_CACHE = "YOLOv5's train.py has no frozen-prefix cache: frozen modules still run forward every step";

/** The input YOLOv5 builds the model for; `doc` is the experiment's text, for the lines of notes. */
export async function yolov5ModelInput(exp: Experiment, doc: YamlDocument | undefined): Promise<ModelInput> {
  const notes: FileDiagnostic[] = [];
  const note = (p: YamlPath, message: string): void => {
    notes.push({ file: exp.file, ...(doc ? positionOf(doc, p) : { line: 1, column: 1 }), severity: 'warning', message });
  };
  // The experiment parser reports a broken yolov5: section at its lines; counted here with train.py's defaults.
  const settings = readYolov5Section(exp.extra?.[YOLOV5_KEY], {
    error: () => undefined,
    warning: () => undefined,
    resolvePath: (p) => path.resolve(path.dirname(exp.file), p),
  });
  let nc: number | undefined;
  if (settings?.extra.includes('--single-cls')) nc = 1;
  else if (settings) {
    const classes = await yolov5DatasetClasses(settings.folder, settings.data ?? YOLOV5_DEFAULT_DATA);
    nc = classes.nc;
    if (classes.problem) {
      note(
        [YOLOV5_KEY, 'data'],
        nc === undefined
          ? `class count not read (${classes.problem}): the parameter counts use the nc of ${path.basename(exp.model)}, which YOLOv5 replaces with the dataset's`
          : classes.problem,
      );
    }
  }
  const img = settings?.img ?? YOLOV5_DEFAULT_IMG;
  const gs = Math.max(await maxStride(exp.model, nc), 32);
  const imgsz = Math.max(Math.ceil(img / gs) * gs, 2 * gs);
  if (imgsz !== img)
    note(
      [YOLOV5_KEY, 'img'],
      `yolov5.img ${img} is not a multiple of the model's largest stride ${gs} (or is under ${2 * gs}): YOLOv5 trains at ${imgsz}, and the shapes shown are for ${imgsz}`,
    );
  const imgszAt = settingLocation(doc, exp.file, [YOLOV5_KEY, 'img']);
  return { ch: 3, imgsz, notes, ...(nc !== undefined ? { nc } : {}), ...(imgszAt ? { imgszAt } : {}) };
}

/** The model's largest stride, measured as YOLOv5 measures it: Detect's input sizes at 256 px (32 without a Detect). */
async function maxStride(model: string, nc: number | undefined): Promise<number> {
  const PROBE = 256;
  const { summary } = await loadModelSummary(model, { ch: 3, imgsz: PROBE, ...(nc !== undefined ? { nc } : {}) });
  let stride = 0;
  for (const m of summary?.modules ?? []) {
    if (m.type !== 'Detect') continue;
    for (const i of moduleInputIndices(m)) {
      const h = summary!.modules[i]?.outShape?.[0];
      if (h) stride = Math.max(stride, PROBE / h);
    }
  }
  return stride || 32;
}
