// What the host sends the panel's Predictions section about one run, and its run-time check (both
// sides validate: contract.ts). Images reach the page only as data: URLs inside these messages
// (the CSP's `img-src data:`), never as paths or file URIs: the host chose every byte from a fixed
// set of files in a run folder it knows, so the page can name nothing to load. See
// src/extension/panel/predictionsFiles.ts for why data: URLs rather than asWebviewUri.
import { isObject } from '../runFolder/shapes';
import { predictionsProblem, type Predictions } from '../runFolder/predictions';

/** An image as the page may show it: `data:image/png;base64,…` or `data:image/jpeg;base64,…`. */
export type ImageDataUrl = string;

export interface Yolov5Plot {
  /** The file's name in the run folder (`confusion_matrix.png`, `val_batch0_pred.jpg`). */
  name: string;
  src: ImageDataUrl;
}

export type RunPredictionsView =
  /** A valid predictions file; `file` is its absolute path (shown, never loaded by the page). */
  | { kind: 'predictions'; file: string; predictions: Predictions }
  /** The file exists but cannot be used: `message` says why, naming the file. */
  | { kind: 'problem'; file: string; message: string }
  /** No predictions file yet; `looked` lists where the host looked. */
  | { kind: 'missing'; looked: string[] }
  /** A YOLOv5 run: its own plots from the run folder, and the names of those it did not write. */
  | { kind: 'yolov5'; dir: string; plots: Yolov5Plot[]; missing: string[] };

const DATA_URL = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]*={0,2}$/;

export function isImageDataUrl(x: unknown): x is ImageDataUrl {
  return typeof x === 'string' && DATA_URL.test(x);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Why `x` is not a RunPredictionsView, or undefined. */
export function runPredictionsViewProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not an object';
  switch (x.kind) {
    case 'predictions': {
      if (typeof x.file !== 'string') return 'has no "file"';
      const p = predictionsProblem(x.predictions);
      if (p) return `predictions ${p}`;
      const thumbs = (x.predictions as Predictions).thumbnails;
      return Object.values(thumbs).every((t) => BASE64.test(t)) ? undefined : 'predictions: a thumbnail is not base64';
    }
    case 'problem':
      return typeof x.file === 'string' && typeof x.message === 'string' ? undefined : 'problem: expected "file" and "message"';
    case 'missing':
      return Array.isArray(x.looked) && x.looked.every((f) => typeof f === 'string')
        ? undefined
        : 'missing: "looked" is not a list of files';
    case 'yolov5': {
      if (typeof x.dir !== 'string') return 'yolov5: has no "dir"';
      if (!Array.isArray(x.missing) || !x.missing.every((f) => typeof f === 'string')) return 'yolov5: "missing" is not a list of names';
      if (!Array.isArray(x.plots)) return 'yolov5: "plots" is not a list';
      for (const p of x.plots)
        if (!isObject(p) || typeof p.name !== 'string' || !isImageDataUrl(p.src))
          return 'yolov5: a plot is not a name and an image data URL';
      return undefined;
    }
    default:
      return `has unknown kind ${JSON.stringify(x.kind)}`;
  }
}
