// Data-parallel training steps on worker threads: tfjs-backend-wasm runs one thread per engine in
// Node, so a second core is used by a second engine. Each worker holds a replica of the model;
// every step, this thread computes the gradients of its share of the batch while the workers
// compute theirs, the gradients are averaged (weighted by share) and the optimizer here applies
// them; the replicas receive the new weights (all of them, batch-norm statistics included) through
// shared memory before the next step. Same result as one engine on the whole batch, except that
// batch-norm layers in training mode normalise each share with its own batch statistics.
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { lossOf, OutputKind } from '../../src/trainer/train/steps';

/** What a worker needs to build its replica (see gradientWorker.ts). */
export interface ReplicaSpec {
  modelJson: string;
  /** Shapes of model.weights, in order (their values live in `weights`). */
  weightShapes: number[][];
  /** Index into model.weights of each trainable variable, in the optimizer's order. */
  trainableIndex: number[];
  output: OutputKind;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

export interface StepRequest {
  x: Float32Array[];
  xShapes: number[][];
  y: Float32Array;
  yShape: number[];
}
export type WorkerReply = { ok: true; loss: number } | { ok: false; error: string };

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Rows [start, start + count) of a batch tensor, as a plain array. */
function rows(t: tf.Tensor, start: number, count: number): Float32Array {
  return tf.tidy(() => tf.slice(t, start, count).dataSync() as Float32Array);
}

export class DataParallelStep {
  private weightsDirty = true;
  /** Share of each batch computed on this thread (adapted every step). */
  private mainShare: number;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly vars: tf.Variable[],
    private readonly output: OutputKind,
    private readonly workers: Worker[],
    private readonly weightViews: Float32Array[],
    private readonly gradViews: Float32Array[][],
  ) {
    this.mainShare = 1 / (workers.length + 1);
  }

  /**
   * Starts `workers` replicas of `model` (each a worker thread with its own wasm engine). `vars` are
   * the variables the optimizer updates, in its order. `workerScript` defaults to gradientWorker.js
   * next to this file.
   */
  static async start(
    model: tf.LayersModel,
    vars: tf.Variable[],
    output: OutputKind,
    workers: number,
    workerScript?: string,
  ): Promise<DataParallelStep> {
    const weightVars = model.weights.map((w) => w.read() as tf.Variable);
    const weightShapes = weightVars.map((v) => v.shape.slice());
    const trainableIndex = vars.map((v) => {
      const i = weightVars.findIndex((w) => w.name === v.name);
      if (i < 0) throw new Error(`data-parallel: variable ${v.name} is not a weight of the model`);
      return i;
    });
    const weightBuffer = new SharedArrayBuffer(4 * weightShapes.reduce((a, s) => a + sizeOf(s), 0));
    const weightViews: Float32Array[] = [];
    let at = 0;
    for (const s of weightShapes) {
      weightViews.push(new Float32Array(weightBuffer, at, sizeOf(s)));
      at += 4 * sizeOf(s);
    }
    const gradSize = 4 * vars.reduce((a, v) => a + v.size, 0);
    const modelJson = JSON.stringify(model.toJSON(null, false));
    const script = workerScript ?? path.join(__dirname, 'gradientWorker.js');
    const started: Worker[] = [];
    const gradViews: Float32Array[][] = [];
    try {
      for (let k = 0; k < workers; k++) {
        const grads = new SharedArrayBuffer(gradSize);
        let g = 0;
        gradViews.push(
          vars.map((v) => {
            const view = new Float32Array(grads, g, v.size);
            g += 4 * v.size;
            return view;
          }),
        );
        const spec: ReplicaSpec = { modelJson, weightShapes, trainableIndex, output, weights: weightBuffer, grads };
        const worker = new Worker(script, { workerData: spec });
        started.push(worker);
        await reply(worker);
      }
    } catch (err) {
      await Promise.all(started.map((w) => w.terminate()));
      throw err;
    }
    return new DataParallelStep(model, vars, output, started, weightViews, gradViews);
  }

  get replicas(): number {
    return this.workers.length + 1;
  }

  /**
   * One optimizer step on the whole batch; returns the mean loss. This thread also averages the
   * gradients and runs the optimizer, so its share of the batch adapts until it finishes its
   * gradients when the workers finish theirs.
   */
  async step(optimizer: tf.Optimizer, inputs: tf.Tensor[], labels: tf.Tensor2D): Promise<number> {
    if (this.weightsDirty) this.publishWeights();
    const n = labels.shape[0];
    const mine = Math.max(1, Math.min(n, Math.round(n * this.mainShare)));
    const each = Math.ceil((n - mine) / this.workers.length);
    const parts = this.workers.map((_, k) => {
      const start = Math.min(n, mine + k * each);
      return { start, count: Math.max(0, Math.min(each, n - start)) };
    });
    const posted = performance.now();
    let workersDone = posted;
    const pending = this.workers.map((w, k) => {
      const { start, count } = parts[k];
      if (count === 0) return Promise.resolve(0);
      const req: StepRequest = {
        x: inputs.map((t) => rows(t, start, count)),
        xShapes: inputs.map((t) => [count, ...t.shape.slice(1)]),
        y: rows(labels, start, count),
        yShape: [count, labels.shape[1]],
      };
      w.postMessage(req, [...req.x.map((a) => a.buffer as ArrayBuffer), req.y.buffer as ArrayBuffer]);
      return reply(w).then((loss) => {
        workersDone = Math.max(workersDone, performance.now());
        return loss;
      });
    });
    const started = performance.now();
    const { value, grads } = optimizer.computeGradients(
      () =>
        tf.tidy(() => {
          const xs = inputs.map((t) => tf.slice(t, 0, mine));
          const y = this.model.apply(xs.length === 1 ? xs[0] : xs, { training: true }) as tf.Tensor;
          return lossOf(this.output, tf.slice(labels, 0, mine) as tf.Tensor2D, y);
        }),
      this.vars,
    );
    const mainDone = performance.now();
    const losses = await Promise.all(pending);
    this.balance(mainDone - started, workersDone - posted, mine, n);
    const averaged = tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      this.vars.forEach((v, i) => {
        let g = tf.mul(grads[v.name], mine / n);
        this.workers.forEach((_, k) => {
          if (parts[k].count > 0) g = tf.add(g, tf.mul(tf.tensor(this.gradViews[k][i], v.shape), parts[k].count / n));
        });
        out[v.name] = g;
      });
      return out;
    });
    optimizer.applyGradients(averaged);
    const loss = ((await value!.data())[0] * mine + losses.reduce((a, l, k) => a + l * parts[k].count, 0)) / n;
    tf.dispose([value!, ...Object.values(grads), ...Object.values(averaged)]);
    this.weightsDirty = true;
    return loss;
  }

  /** Moves batch share between this thread and the workers so that both finish together. */
  private balance(mainMs: number, workersMs: number, mine: number, n: number): void {
    if (mine >= n || mainMs <= 0 || workersMs <= 0) return;
    // Per-sample speeds from this step; the share that equalises finishing times, smoothed.
    const mainRate = mine / mainMs;
    const workerRate = (n - mine) / workersMs;
    const ideal = mainRate / (mainRate + workerRate * this.workers.length);
    this.mainShare = Math.min(0.9, Math.max(0.1, 0.7 * this.mainShare + 0.3 * ideal));
  }

  /** Copies every weight (trainable or not) into the shared buffer the replicas read. */
  private publishWeights(): void {
    this.model.weights.forEach((w, i) => this.weightViews[i].set(w.read().dataSync() as Float32Array));
    this.weightsDirty = false;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function reply(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerReply): void => {
      cleanup();
      if (m.ok) resolve(m.loss);
      else reject(new Error(`data-parallel worker: ${m.error}`));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`data-parallel worker exited with code ${code}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
