// Hand-made predictions for tests: six validation images of three classes, the confusion matrix
// counted by hand from `predicted` and `truth`.
import { PREDICTIONS_VERSION, type Predictions } from '../../src/shared/runFolder/predictions';

/** A 1×1 grayscale PNG, base64. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==';

export function handMadePredictions(patch: Partial<Predictions> = {}): Predictions {
  return {
    version: PREDICTIONS_VERSION,
    epoch: 3,
    weights: 'best',
    classes: ['cat', 'dog', 'fox'],
    // truth:      cat cat dog dog dog fox
    // predicted:  cat dog dog cat fox fox
    truth: [0, 0, 1, 1, 1, 2],
    predicted: [0, 1, 1, 0, 2, 2],
    confusion: [
      [1, 1, 0],
      [1, 1, 1],
      [0, 0, 1],
    ],
    topLosses: [
      { index: 4, truth: 1, predicted: 2, probability: 0.9, loss: 3.2 },
      { index: 3, truth: 1, predicted: 0, probability: 0.7, loss: 1.5 },
      { index: 1, truth: 0, predicted: 1, probability: 0.6, loss: 1.1 },
    ],
    thumbnails: { '4': TINY_PNG, '3': TINY_PNG },
    ...patch,
  };
}
