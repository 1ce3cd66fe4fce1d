// What a training step consumes: a batch of one or more per-sample inputs (the images, or a frozen
// prefix's cached outputs) plus labels, read from a SampleSource, made into tensors.
import * as tf from '@tensorflow/tfjs';
import type { SampleBatch } from '../data/sampleSource';

function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes a feature set holds (for the cache's memory budget). */
export function featureBytes(shapes: number[][], count: number): number {
  return shapes.reduce((s, sh) => s + sampleSize(sh), 0) * count * 4;
}

/** Input tensors (of per-sample `shapes`) and one-hot labels for a batch. Caller disposes. */
export function batchTensors(
  batch: SampleBatch,
  shapes: number[][],
  classes: number,
): { inputs: tf.Tensor[]; labels: tf.Tensor2D; labelIds: Int32Array } {
  const n = batch.labels.length;
  const inputs = batch.inputs.map((arr, k) => tf.tensor(arr, [n, ...shapes[k]]));
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  return { inputs, labels, labelIds: batch.labels };
}
