// The reference CNN of engine-facts.md, as both benches build it: 4 conv blocks (16/32/64/64
// filters, 3×3 same, ReLU, 2×2 max-pool), flatten, dense 64 (ReLU), dense 10; 32×32×3 input.
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../src/trainer/model/lazyGradConv2d';

export const FILTERS = [16, 32, 64, 64];

/** The trainer's conv layers by default; tfjs' own with `stockConv` (the stock engine's variant). */
export function buildCnn(stockConv = false): tf.Sequential {
  const m = tf.sequential();
  FILTERS.forEach((filters, i) => {
    const args = {
      filters,
      kernelSize: 3,
      padding: 'same' as const,
      activation: 'relu' as const,
      ...(i === 0 ? { inputShape: [32, 32, 3] } : {}),
      name: `conv${i}`,
    };
    m.add(stockConv ? tf.layers.conv2d(args) : conv2d(args));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i}` }));
  });
  m.add(tf.layers.flatten({ name: 'flatten' }));
  m.add(tf.layers.dense({ units: 64, activation: 'relu', name: 'dense0' }));
  m.add(tf.layers.dense({ units: 10, name: 'dense1' }));
  return m;
}
