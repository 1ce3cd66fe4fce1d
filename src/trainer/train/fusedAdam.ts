// Adam with one fused kernel per variable on the wasm engine. tfjs' AdamOptimizer runs about 15
// kernels per variable and step (each a separate pass over memory, plus the engine's bookkeeping per
// kernel): measured 3–4 ms of a 28 ms full fine-tuning step of the reference CNN. The fused kernel
// (assembly/trainingKernels.ts) does the same float32 operations in the same order, so results are
// bit-identical; other engines run the stock optimizer. State, saving and loading are the stock
// class's (same variables, same names), so checkpoints are interchangeable.
import * as tf from '@tensorflow/tfjs';
import { trainingKernels } from '../kernels/trainingKernelsWasm';
import { allocate, isWasmBackend, offsetOf } from '../kernels/wasmHeap';

/** The fields of tfjs' AdamOptimizer this class reads and updates. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
  incrementIterations(): void;
}

export class FusedAdam extends tf.AdamOptimizer {
  applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const backend = tf.backend();
    if (!isWasmBackend(backend)) {
      super.applyGradients(variableGradients);
      return;
    }
    const kernels = trainingKernels(backend);
    const s = this as unknown as AdamState;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.keys(variableGradients).map((name) => [name, variableGradients[name]] as const);
    tf.tidy(() => {
      // As tfjs: sub(1, accBeta) in float32, the other constants as float32 scalars.
      const oneMinusAccBeta1 = Math.fround(1 - s.accBeta1.dataSync()[0]);
      const oneMinusAccBeta2 = Math.fround(1 - s.accBeta2.dataSync()[0]);
      list.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const g = gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32');
        const wNew = allocate(backend, value.shape);
        const mNew = allocate(backend, value.shape);
        const vNew = allocate(backend, value.shape);
        // Byte offsets into the engine's memory: the kernel reads and writes it directly.
        kernels.adam(
          4 * offsetOf(backend, value),
          4 * offsetOf(backend, m),
          4 * offsetOf(backend, v),
          4 * offsetOf(backend, g),
          4 * offsetOf(backend, wNew),
          4 * offsetOf(backend, mNew),
          4 * offsetOf(backend, vNew),
          value.size,
          s.beta1,
          1 - s.beta1,
          s.beta2,
          1 - s.beta2,
          oneMinusAccBeta1,
          oneMinusAccBeta2,
          -s.learningRate,
          s.epsilon,
        );
        m.assign(mNew);
        v.assign(vNew);
        value.assign(wNew);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}

/** Adam with tf.train.adam's defaults (β1 0.9, β2 0.999, the backend's ε). */
export function adam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
