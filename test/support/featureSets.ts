// Random feature sets for engine tests: uniform [0, 1) inputs of a shape, labels cycling over the classes.
import * as tf from '@tensorflow/tfjs';
import type { FeatureSet } from '../../src/trainer/train/featureSet';

export function randomSet(n: number, shape: number[], classes: number, seed: number): FeatureSet {
  const x = tf.randomUniform([n, ...shape], 0, 1, 'float32', seed);
  const arrays = [x.dataSync() as Float32Array];
  x.dispose();
  return { arrays, shapes: [shape], labels: Int32Array.from({ length: n }, (_, i) => i % classes), count: n };
}
