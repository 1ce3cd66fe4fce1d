// The tfjs engines' per-image outputs of an evaluation batch, from the model output `y` the batch's
// loss and argmax already use: a softmax (logits) and the true class's log-probability, each a
// [batch, classes] op — small beside the forward pass.
import * as tf from '@tensorflow/tfjs';

/** Per image: the probability of the highest-scoring class and the true class's cross-entropy, as
 *  steps.ts `lossOf` computes it (clipped log for a softmax output). Inside a tidy. */
export function imageProbabilityAndLoss(
  output: 'logits' | 'probabilities',
  labels: tf.Tensor2D,
  y: tf.Tensor2D,
): [tf.Tensor1D, tf.Tensor1D] {
  const logp = output === 'logits' ? tf.logSoftmax(y) : tf.log(tf.clipByValue(y, 1e-7, 1));
  const probability = output === 'logits' ? tf.max(tf.softmax(y), -1) : tf.max(y, -1);
  return [probability as tf.Tensor1D, tf.neg(tf.sum(tf.mul(labels, logp), -1)) as tf.Tensor1D];
}
