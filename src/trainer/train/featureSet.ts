// What a training step consumes: one or more per-sample input arrays (the images, or a frozen
// prefix's cached outputs) plus labels, sliced into batch tensors.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/dataset';
import type { SampleBatch, SampleSource } from '../data/sampleSource';

export interface FeatureSet {
  /** One flat array per model input, `count` samples each. */
  arrays: Float32Array[];
  /** Per-sample shape of each input (without the batch dimension). */
  shapes: number[][];
  labels: Int32Array;
  count: number;
}

export function imageFeatureSet(split: Split, imageShape: [number, number, number]): FeatureSet {
  return { arrays: [split.x], shapes: [imageShape], labels: split.y, count: split.count };
}

function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes a feature set holds (for the cache's memory budget). */
export function featureBytes(shapes: number[][], count: number): number {
  return shapes.reduce((s, sh) => s + sampleSize(sh), 0) * count * 4;
}

/** Input tensors and one-hot labels for the samples `indices`. Caller disposes. */
export function batchTensors(
  set: FeatureSet,
  indices: ArrayLike<number>,
  classes: number,
): { inputs: tf.Tensor[]; labels: tf.Tensor2D; labelIds: Int32Array } {
  const n = indices.length;
  const inputs = set.arrays.map((arr, k) => {
    const size = sampleSize(set.shapes[k]);
    const buf = new Float32Array(n * size);
    for (let i = 0; i < n; i++) buf.set(arr.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    return tf.tensor(buf, [n, ...set.shapes[k]]);
  });
  const labelIds = new Int32Array(n);
  for (let i = 0; i < n; i++) labelIds[i] = set.labels[indices[i]];
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(labelIds, 'int32'), classes).toFloat() as tf.Tensor2D);
  return { inputs, labels, labelIds };
}

/** Input tensors and one-hot labels of a batch a SampleSource read. Caller disposes. */
export function sampleBatchTensors(
  b: SampleBatch,
  shapes: number[][],
  classes: number,
): { inputs: tf.Tensor[]; labels: tf.Tensor2D; labelIds: Int32Array } {
  const n = b.labels.length;
  const inputs = b.inputs.map((arr, k) => tf.tensor(arr, [n, ...shapes[k]]));
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(b.labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  return { inputs, labels, labelIds: b.labels };
}

export const isSampleSource = (set: FeatureSet | SampleSource): set is SampleSource => 'batches' in set;

/** The batches of `order` from memory or from a source, as tensors. */
export async function* orderedBatches(
  set: FeatureSet | SampleSource,
  order: ArrayLike<number>,
  batch: number,
  classes: number,
): AsyncIterable<{ inputs: tf.Tensor[]; labels: tf.Tensor2D; labelIds: Int32Array }> {
  if (isSampleSource(set)) {
    for await (const b of set.batches(order, batch)) yield sampleBatchTensors(b, set.shapes, classes);
    return;
  }
  for (let start = 0; start < order.length; start += batch)
    yield batchTensors(set, Array.prototype.slice.call(order, start, start + batch) as number[], classes);
}
