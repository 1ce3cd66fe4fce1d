// From per-image outputs to what predictions/*.json keeps: the confusion matrix, the highest-loss
// images and the order in which mistakes get thumbnails. Ties in loss go to the lower validation
// index, so two runs' lists (and two writes of one run) order alike.
import type { PredictedImage } from '../../shared/runFolder/predictions';
import type { ImageOutputs } from './imageOutputs';

/** confusion[t][p]: images of true class t predicted as p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++;
  return m;
}

/** Validation indices by loss, highest first; equal losses by index. */
export function byLoss(loss: ArrayLike<number>): number[] {
  return Array.from({ length: loss.length }, (_, i) => i).sort((a, b) => loss[b] - loss[a] || a - b);
}

export function predictedImage(out: ImageOutputs, truth: ArrayLike<number>, index: number): PredictedImage {
  return { index, truth: truth[index], predicted: out.predicted[index], probability: out.probability[index], loss: out.loss[index] };
}

/** The `n` highest-loss images (right or wrong), highest first. */
export function topLosses(out: ImageOutputs, truth: ArrayLike<number>, n: number, order = byLoss(out.loss)): PredictedImage[] {
  return order.slice(0, n).map((i) => predictedImage(out, truth, i));
}

/** Who gets a thumbnail first: the top `n` losses, then the other mistakes, by loss. */
export function thumbnailOrder(out: ImageOutputs, truth: ArrayLike<number>, n: number, order = byLoss(out.loss)): number[] {
  return [...order.slice(0, n), ...order.slice(n).filter((i) => out.predicted[i] !== truth[i])];
}
