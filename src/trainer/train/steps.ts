// One optimisation step and one evaluation pass. Only trainable weights reach the optimizer, so a
// frozen layer gets no gradient kernels at all (visible in tf.profile: no Conv2DBackpropFilter).
import * as tf from '@tensorflow/tfjs';
import type { SampleSource } from '../data/sampleSource';
import { FeatureSet, orderedBatches } from './featureSet';
import { adam } from './fusedAdam';

export type OutputKind = 'logits' | 'probabilities';

export function lossOf(output: OutputKind, labels: tf.Tensor2D, y: tf.Tensor): tf.Scalar {
  if (output === 'logits') return tf.losses.softmaxCrossEntropy(labels, y) as tf.Scalar;
  // A softmax output layer: cross-entropy on clipped probabilities (as Keras does).
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(y, 1e-7, 1))), -1))) as tf.Scalar);
}

export function makeOptimizer(kind: 'adam' | 'sgd', lr: number): tf.Optimizer {
  return kind === 'sgd' ? tf.train.sgd(lr) : adam(lr);
}

/** The variables the optimizer updates: those of trainable layers. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** One step on a batch; returns the loss (caller disposes). */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  output: OutputKind,
  inputs: tf.Tensor[],
  labels: tf.Tensor2D,
): tf.Scalar {
  return optimizer.minimize(
    () => {
      const y = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
      return lossOf(output, labels, y);
    },
    true,
    vars,
  ) as tf.Scalar;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  /** Share of samples whose label is among the 5 highest scores (only when classes > 5). */
  top5?: number;
}

/** A batch's input tensors, one-hot labels and label ids (the caller disposes the tensors). */
export interface BatchTensors {
  inputs: tf.Tensor[];
  labels: tf.Tensor2D;
  labelIds: Int32Array;
}

/** Loss, accuracy (and top-5) over a whole set, in batches, in inference mode. */
export function evaluate(
  model: tf.LayersModel,
  output: OutputKind,
  set: FeatureSet | SampleSource,
  classes: number,
  batch: number,
  between?: () => Promise<void>,
): Promise<EvalResult> {
  const all = Array.from({ length: set.count }, (_, i) => i);
  return evaluateBatches(model, output, orderedBatches(set, all, batch, classes), set.count, classes, between);
}

/** Loss, accuracy (and top-5) over `count` samples arriving as `batches`, in inference mode. */
export async function evaluateBatches(
  model: tf.LayersModel,
  output: OutputKind,
  batches: AsyncIterable<BatchTensors>,
  count: number,
  classes: number,
  between?: () => Promise<void>,
): Promise<EvalResult> {
  let lossSum = 0;
  let correct = 0;
  let top5 = 0;
  for await (const { inputs, labels, labelIds } of batches) {
    const n = labelIds.length;
    const [loss, pred, top] = tf.tidy(() => {
      const y = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor2D;
      return [tf.mul(lossOf(output, labels, y), n), tf.argMax(y, -1), classes > 5 ? tf.topk(y, 5).indices : tf.zeros([0])];
    });
    const [l, p, t] = await Promise.all([loss.data(), pred.data(), top.data()]);
    tf.dispose([loss, pred, top, labels, ...inputs]);
    lossSum += l[0];
    for (let i = 0; i < n; i++) {
      if (p[i] === labelIds[i]) correct++;
      if (classes > 5) for (let k = 0; k < 5; k++) if (t[i * 5 + k] === labelIds[i]) top5++;
    }
    if (between) await between();
  }
  const total = Math.max(1, count);
  return { loss: lossSum / total, accuracy: correct / total, ...(classes > 5 ? { top5: top5 / total } : {}) };
}
