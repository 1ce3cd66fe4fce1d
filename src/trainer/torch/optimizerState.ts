// Adam's state between the torch worker and the run folder, in tfjs' naming and layout (`iter`, then
// `<variable>/m` for every trainable variable, then `<variable>/v`), so a checkpoint resumes on
// either engine. The worker converts each moment to and from torch's layout like the weights.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import type { OptimizerState } from '../model/modelFiles';

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** What the worker saved (step, m…, v… as float32, tfjs layout) as tfjs Adam's named weights. Caller disposes. */
export function adamStateFromFile(file: string, names: string[], shapes: number[][]): OptimizerState {
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  let at = 1;
  const take = (suffix: string): Array<{ name: string; tensor: tf.Tensor }> =>
    shapes.map((shape, i) => {
      const t = tf.tensor(all.subarray(at, at + size(shape)), shape);
      at += size(shape);
      return { name: `${names[i]}/${suffix}`, tensor: t };
    });
  const weights = [{ name: 'iter', tensor: tf.scalar(Math.round(all[0]), 'int32') }, ...take('m'), ...take('v')];
  if (at !== all.length) throw new Error(`${file}: optimizer state of ${all.length} floats, expected ${at}`);
  return { className: 'Adam', weights };
}

/**
 * A checkpoint's Adam state as the worker reads it (step, m…, v… in `names` order); returns why it
 * cannot be used instead (another optimizer, other variables).
 */
export function adamStateToFile(state: OptimizerState, kind: 'adam' | 'sgd', names: string[], out: string): string | undefined {
  if (kind !== 'adam' || state.className !== 'Adam')
    return `is ${state.className}, the experiment uses ${kind === 'adam' ? 'Adam' : 'SGD'}`;
  const byName = new Map(state.weights.map((w) => [w.name, w.tensor]));
  const iter = byName.get('iter');
  const parts: tf.Tensor[] = [];
  for (const suffix of ['m', 'v']) {
    for (const n of names) {
      const t = byName.get(`${n}/${suffix}`);
      if (!t) return 'does not match the trainable weights';
      parts.push(t);
    }
  }
  if (!iter || state.weights.length !== parts.length + 1) return 'does not match the trainable weights';
  const floats = [new Float32Array([iter.dataSync()[0]]), ...parts.map((t) => t.dataSync() as Float32Array)];
  writeFileSync(out, Buffer.concat(floats.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
  return undefined;
}
