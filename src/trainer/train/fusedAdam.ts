// Adam with one fused kernel per variable on the wasm engine. tfjs' AdamOptimizer runs about 15
// kernels per variable and step (each a separate pass over memory, plus the engine's bookkeeping per
// kernel): measured 3–4 ms of a 28 ms full fine-tuning step of the reference CNN. The fused kernel
// (assembly/trainingKernels.ts) does the same float32 operations in the same order, so results are
// bit-identical; other engines run the stock optimizer. State, saving and loading are the stock
// class's (same variables, same names), so checkpoints are interchangeable.
//
// It also scales each variable's rate by its multiplier (per-module learning rates) on every backend,
// and keeps each variable's moments with it when a freeze schedule changes the variable list
// (retarget). A newly unfrozen variable starts with zero moments under the run's step count: tfjs'
// Adam (and its checkpoints' single `iter`) has one bias correction for all variables, so its first
// updates are up to a few × lr until its moments fill (the torch worker does the same, to agree).
import * as tf from '@tensorflow/tfjs';
import { trainingKernels } from '../kernels/trainingKernelsWasm';
import { allocate, isWasmBackend, offsetOf } from '../kernels/wasmHeap';
import { gradientList, RateControl } from './rateControl';

/** The fields of tfjs' AdamOptimizer this class reads and updates. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<Slot>;
  accumulatedSecondMoment: Array<Slot>;
  incrementIterations(): void;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

const zeroSlot = (name: string, suffix: 'm' | 'v'): Slot => ({
  originalName: `${name}/${suffix}`,
  variable: tf.tidy(() => tf.zerosLike(tf.engine().registeredVariables[name]).variable(false)),
});

export class FusedAdam extends tf.AdamOptimizer implements RateControl {
  private mults: ReadonlyMap<string, number> = new Map();

  setRate(lr: number): void {
    this.learningRate = lr;
  }

  setMultipliers(mults: ReadonlyMap<string, number>): void {
    this.mults = mults;
  }

  retarget(names: readonly string[]): void {
    const s = this as unknown as AdamState;
    const keep = (slots: Slot[], suffix: 'm' | 'v'): Slot[] => {
      const byName = new Map(slots.filter((x) => x).map((x) => [x.originalName, x]));
      const out = names.map((n) => byName.get(`${n}/${suffix}`) ?? zeroSlot(n, suffix));
      const kept = new Set(out);
      tf.dispose([...byName.values()].filter((x) => !kept.has(x)).map((x) => x.variable));
      return out;
    };
    s.accumulatedFirstMoment = keep(s.accumulatedFirstMoment, 'm');
    s.accumulatedSecondMoment = keep(s.accumulatedSecondMoment, 'v');
  }

  applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const backend = tf.backend();
    const list = gradientList(variableGradients);
    if (!isWasmBackend(backend)) {
      if (list.every(([name]) => (this.mults.get(name) ?? 1) === 1)) super.applyGradients(variableGradients);
      else this.applyScaled(list);
      return;
    }
    const kernels = trainingKernels(backend);
    const s = this as unknown as AdamState;
    tf.tidy(() => {
      // As tfjs: sub(1, accBeta) in float32, the other constants as float32 scalars.
      const oneMinusAccBeta1 = Math.fround(1 - s.accBeta1.dataSync()[0]);
      const oneMinusAccBeta2 = Math.fround(1 - s.accBeta2.dataSync()[0]);
      list.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= zeroSlot(name, 'm');
        s.accumulatedSecondMoment[i] ??= zeroSlot(name, 'v');
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
          -s.learningRate * (this.mults.get(name) ?? 1),
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

  /** The stock AdamOptimizer's operations, in its order, with each variable's rate × its multiplier. */
  private applyScaled(list: Array<readonly [string, tf.Tensor]>): void {
    const s = this as unknown as AdamState;
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, s.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, s.accBeta2);
      list.forEach(([name, gradient], i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= zeroSlot(name, 'm');
        s.accumulatedSecondMoment[i] ??= zeroSlot(name, 'v');
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const newM = tf.add(tf.mul(m, s.beta1), tf.mul(gradient, 1 - s.beta1));
        const newV = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gradient), 1 - s.beta2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        const rate = -s.learningRate * (this.mults.get(name) ?? 1);
        value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), s.epsilon)), rate), value));
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}

/** Adam with tf.train.adam's defaults (β1 0.9, β2 0.999, the backend's ε). */
export function adam(learningRate: number): FusedAdam {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
