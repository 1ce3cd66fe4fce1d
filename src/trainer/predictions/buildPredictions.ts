// One predictions/*.json from an evaluation: the lists every image gets, then thumbnails in
// thumbnailOrder while the file stays within its size bound. The per-image lists are the contract
// (the panel compares runs image by image), so a validation set too large for the bound even
// without thumbnails (over ~100,000 images) gets none, and the file is what the lists take.
import { Predictions, PREDICTIONS_VERSION, predictionsProblem } from '../../shared/runFolder/predictions';
import type { ImageOutputs } from './imageOutputs';
import { byLoss, confusionMatrix, thumbnailOrder, topLosses } from './summarize';

/** The bound of one predictions file, thumbnails included. */
export const PREDICTIONS_MAX_BYTES = 2 * 1024 * 1024;
export const TOP_LOSSES_DEFAULT = 32;

export interface PredictionsInput {
  epoch: number;
  weights: Predictions['weights'];
  classes: string[];
  truth: ArrayLike<number>;
  files?: string[];
  outputs: ImageOutputs;
  topLosses: number;
  /** The base64 PNG of validation image `index`. */
  thumbnail: (index: number) => string;
  maxBytes?: number;
}

/** Why the engine's outputs cannot be written (sizes, a class out of range, NaN), or undefined. */
function outputsProblem(o: ImageOutputs, truth: ArrayLike<number>, classes: number): string | undefined {
  if (o.predicted.length !== truth.length) return `the evaluation covered ${o.predicted.length} of ${truth.length} validation images`;
  for (let i = 0; i < truth.length; i++) {
    if (!(o.predicted[i] >= 0 && o.predicted[i] < classes)) return `validation image ${i} was predicted as class ${o.predicted[i]}`;
    if (!Number.isFinite(o.probability[i]) || !Number.isFinite(o.loss[i]))
      return `the model's output for validation image ${i} is not finite (probability ${o.probability[i]}, loss ${o.loss[i]})`;
  }
  return undefined;
}

/** The file's text (one line of JSON), at most `maxBytes` unless the per-image lists alone are larger. */
export function buildPredictions(p: PredictionsInput): { predictions: Predictions; text: string } {
  const maxBytes = p.maxBytes ?? PREDICTIONS_MAX_BYTES;
  const why = outputsProblem(p.outputs, p.truth, p.classes.length);
  if (why) throw new Error(why);
  const order = byLoss(p.outputs.loss);
  const predictions: Predictions = {
    version: PREDICTIONS_VERSION,
    epoch: p.epoch,
    weights: p.weights,
    classes: p.classes,
    confusion: confusionMatrix(p.truth, p.outputs.predicted, p.classes.length),
    predicted: Array.from(p.outputs.predicted),
    truth: Array.from(p.truth),
    ...(p.files ? { files: p.files } : {}),
    topLosses: topLosses(p.outputs, p.truth, p.topLosses, order),
    thumbnails: {},
  };
  // The text without thumbnails ends in `{}}\n`; each thumbnail adds `"index":"base64"` and a comma after the first.
  let bytes = Buffer.byteLength(JSON.stringify(predictions)) + 1;
  let count = 0;
  for (const index of thumbnailOrder(p.outputs, p.truth, p.topLosses, order)) {
    const png = p.thumbnail(index);
    const add = String(index).length + png.length + 5 + (count > 0 ? 1 : 0);
    if (bytes + add > maxBytes) break;
    predictions.thumbnails[String(index)] = png;
    bytes += add;
    count++;
  }
  const problem = predictionsProblem(predictions);
  if (problem) throw new Error(`the predictions built ${problem}`);
  return { predictions, text: `${JSON.stringify(predictions)}\n` };
}
