// One optimisation step and one evaluation pass. Only trainable weights reach the optimizer, so a
// frozen layer gets no gradient kernels at all (visible in tf.profile: no Conv2DBackpropFilter).
import * as tf from '@tensorflow/tfjs';
import { batchTensors, FeatureSet } from './featureSet';
import { adam } from './fusedAdam';
import { ScaledOptimizer, ScaledSgd } from './rateControl';

export type OutputKind = 'logits' | 'probabilities';

export function lossOf(output: OutputKind, labels: tf.Tensor2D, y: tf.Tensor): tf.Scalar {
  if (output === 'logits') return tf.losses.softmaxCrossEntropy(labels, y) as tf.Scalar;
  // A softmax output layer: cross-entropy on clipped probabilities (as Keras does).
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(y, 1e-7, 1))), -1))) as tf.Scalar);
}

export function makeOptimizer(kind: 'adam' | 'sgd', lr: number): ScaledOptimizer {
  return kind === 'sgd' ? new ScaledSgd(lr) : adam(lr);
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

/** Loss, accuracy (and top-5) over a whole set, in batches, in inference mode. */
export async function evaluate(
  model: tf.LayersModel,
  output: OutputKind,
  set: FeatureSet,
  classes: number,
  batch: number,
  between?: () => Promise<void>,
): Promise<EvalResult> {
  let lossSum = 0;
  let correct = 0;
  let top5 = 0;
  for (let start = 0; start < set.count; start += batch) {
    const idx = Array.from({ length: Math.min(batch, set.count - start) }, (_, i) => start + i);
    const { inputs, labels, labelIds } = batchTensors(set, idx, classes);
    const [loss, pred, top] = tf.tidy(() => {
      const y = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor2D;
      return [tf.mul(lossOf(output, labels, y), idx.length), tf.argMax(y, -1), classes > 5 ? tf.topk(y, 5).indices : tf.zeros([0])];
    });
    const [l, p, t] = await Promise.all([loss.data(), pred.data(), top.data()]);
    tf.dispose([loss, pred, top, labels, ...inputs]);
    lossSum += l[0];
    for (let i = 0; i < idx.length; i++) {
      if (p[i] === labelIds[i]) correct++;
      if (classes > 5) for (let k = 0; k < 5; k++) if (t[i * 5 + k] === labelIds[i]) top5++;
    }
    if (between) await between();
  }
  const n = Math.max(1, set.count);
  return { loss: lossSum / n, accuracy: correct / n, ...(classes > 5 ? { top5: top5 / n } : {}) };
}
