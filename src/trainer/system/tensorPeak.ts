// Peak tfjs tensor memory during an epoch. tf.memory() only gives the current total, and a training
// step's activations are freed before the step returns, so the engine's tensor registration is
// observed instead (one comparison per tensor created; tf.profile would read every kernel output).
import * as tf from '@tensorflow/tfjs';

interface EngineInternals {
  trackTensor(t: tf.Tensor, backend: unknown): void;
  state: { numBytes: number };
}

export class TensorPeak {
  private peak = 0;
  private readonly engine = tf.engine() as unknown as EngineInternals;
  private readonly original: EngineInternals['trackTensor'] | undefined;

  constructor() {
    const engine = this.engine;
    if (typeof engine.trackTensor !== 'function' || typeof engine.state?.numBytes !== 'number') return;
    this.original = engine.trackTensor;
    const original = this.original;
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    engine.trackTensor = function (this: EngineInternals, t: tf.Tensor, backend: unknown): void {
      original.call(this, t, backend);
      if (this.state.numBytes > self.peak) self.peak = this.state.numBytes;
    };
    this.reset();
  }

  /** Starts a new measurement window at the current usage. */
  reset(): void {
    this.peak = this.current();
  }

  get bytes(): number {
    return Math.max(this.peak, this.current());
  }

  /** Bytes held by tensors now, read without initialising a backend (tf.memory() would). */
  private current(): number {
    return this.engine.state?.numBytes ?? 0;
  }

  dispose(): void {
    if (this.original) this.engine.trackTensor = this.original;
  }
}
