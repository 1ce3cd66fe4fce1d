// What a run's model predicted on the validation set (`predictions/best.json` after each new best
// epoch, `predictions/last.json` at the end): written atomically by the trainer, read by the host
// for the panel's Predictions section. Every run of a sweep validates on the same images in the
// same order, so two runs' `predicted` lists compare image by image. Bounded in size (≤ 2 MB):
// per-image lists are numbers, thumbnails only for a bounded set of mistakes.
import { fieldsProblem, FieldCheck, FieldChecks, isObject, optional } from './shapes';

export const PREDICTIONS_DIR = 'predictions';
export const PREDICTIONS_FILES = { best: 'best.json', last: 'last.json' } as const;
export const PREDICTIONS_VERSION = 1;

export interface PredictedImage {
  /** Index in the validation set (the order `predicted` and `truth` use). */
  index: number;
  truth: number;
  predicted: number;
  /** The model's probability for `predicted`. */
  probability: number;
  /** Cross-entropy of the true class. */
  loss: number;
}

export interface Predictions {
  version: number;
  /** The epoch whose weights predicted, and which checkpoint they are. */
  epoch: number;
  weights: 'best' | 'last';
  /** Class names in label order. */
  classes: string[];
  /** confusion[t][p]: validation images of true class t predicted as class p. */
  confusion: number[][];
  /** Per validation image, in validation-set order: the predicted and the true class. */
  predicted: number[];
  truth: number[];
  /** Per validation image of an image folder: its path relative to the data folder (`val/cat/1.png`). */
  files?: string[];
  /** The N highest-loss images, highest first (N: 32 unless the experiment says otherwise). */
  topLosses: PredictedImage[];
  /** Small PNG thumbnails (base64, no `data:` prefix) keyed by validation index: the top losses and
   *  the other mistakes, highest loss first, while the file stays under its size bound. */
  thumbnails: Record<string, string>;
}

const int: FieldCheck = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'expected a whole number ≥ 0');
const finite: FieldCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'expected a finite number');
const ints: FieldCheck = (v) => (Array.isArray(v) && v.every((x) => int(x) === undefined) ? undefined : 'expected a list of whole numbers');
const strings: FieldCheck = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'expected a list of strings');

const IMAGE: FieldChecks<PredictedImage> = { index: int, truth: int, predicted: int, probability: finite, loss: finite };

const PREDICTIONS: FieldChecks<Predictions> = {
  version: (v) => (v === PREDICTIONS_VERSION ? undefined : `expected version ${PREDICTIONS_VERSION}`),
  epoch: int,
  weights: (v) => (v === 'best' || v === 'last' ? undefined : 'expected "best" or "last"'),
  classes: strings,
  confusion: (v) => (Array.isArray(v) && v.every((row) => ints(row) === undefined) ? undefined : 'expected rows of counts'),
  predicted: ints,
  truth: ints,
  files: optional(strings),
  topLosses: (v) => {
    if (!Array.isArray(v)) return 'expected a list of images';
    for (const x of v) {
      const why = isObject(x) ? fieldsProblem(x, IMAGE) : 'expected an object';
      if (why) return `expected images, but one ${why}`;
    }
    return undefined;
  },
  thumbnails: (v) =>
    isObject(v) && Object.entries(v).every(([k, t]) => /^\d+$/.test(k) && typeof t === 'string')
      ? undefined
      : 'expected index → base64 PNG',
};

/** Why `x` is not Predictions (fields, then the sizes agreeing with the classes), or undefined. */
export function predictionsProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  const p = fieldsProblem(x, PREDICTIONS);
  if (p) return p;
  const v = x as unknown as Predictions;
  const k = v.classes.length;
  if (v.confusion.length !== k || v.confusion.some((row) => row.length !== k)) return `"confusion" is not ${k}×${k}`;
  if (v.predicted.length !== v.truth.length) return '"predicted" and "truth" differ in length';
  if (v.files && v.files.length !== v.truth.length) return '"files" and "truth" differ in length';
  const bad = [...v.predicted, ...v.truth].find((c) => c >= k);
  if (bad !== undefined) return `class ${bad} is not among the ${k} classes`;
  return undefined;
}
