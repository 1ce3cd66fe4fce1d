// The torch engine's StepEngine: the Python worker trains and evaluates; this side sends it the
// model (the tfjs graph the trainer built, with its initial or pretrained weights), the decoded
// data and each epoch's order, and turns its weights back into the same tfjs run-folder files.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelFolderFiles, readOptimizerState, TransferLabMetadata } from '../model/modelFiles';
import type { PreparedModel } from '../model/prepareModel';
import type { FeatureSet } from '../train/featureSet';
import { CachePlan, samePlan } from '../train/frozenCache';
import type { EngineMemory, EpochResult, PhaseSetup, StepEngine } from '../train/stepEngine';
import { keepFrozenBatchNormInference, variableMultipliers } from '../train/variableRates';
import type { EvalResult } from '../train/steps';
import { adamStateFromFile, adamStateToFile } from './optimizerState';
import { modelTopology, readModelWeights, writeModelWeights } from './topology';
import { TorchWorker, TorchWorkerError } from './torchWorker';

/** What any model on the torch worker needs (the tfjs graph's options add the prepared model). */
export interface TorchWorkerOptions {
  python: string;
  device: string;
  train: FeatureSet;
  val: FeatureSet;
  optimizer: 'adam' | 'sgd';
  lr: number;
  seed: number;
  log: (level: 'info' | 'warn', msg: string) => void;
}

export interface TorchStepsOptions extends TorchWorkerOptions {
  prepared: PreparedModel;
}

function writeSet(dir: string, name: string, set: FeatureSet): Record<string, unknown> {
  const file = path.join(dir, `${name}.f32`);
  const labelsFile = path.join(dir, `${name}.labels`);
  writeFileSync(file, Buffer.concat(set.arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  writeFileSync(labelsFile, Buffer.from(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength));
  return { op: 'data', name, file, labelsFile, shapes: set.shapes, count: set.count };
}

/** Epochs, evaluation and memory on the torch worker, whatever model it holds. */
export abstract class TorchWorkerSteps implements StepEngine {
  protected readonly dir: string;
  private peak = 0;
  private current = 0;
  private cpu = { seconds: 0, wall: 0 };
  private util?: EngineMemory['device'];

  protected constructor(
    protected readonly worker: TorchWorker,
    protected readonly o: TorchWorkerOptions,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'transfer-lab-torch-'));
  }

  /** The decoded train and val sets, to the worker once. */
  protected async sendData(): Promise<void> {
    await this.worker.request(writeSet(this.dir, 'train', this.o.train));
    await this.worker.request(writeSet(this.dir, 'val', this.o.val));
  }

  abstract cachePrefix(plan: CachePlan, batch: number): Promise<void>;
  abstract setPhase(p: PhaseSetup): Promise<void>;
  abstract weightFiles(meta: TransferLabMetadata, withOptimizer: boolean): Promise<Record<string, Uint8Array | string>>;
  abstract restoreOptimizer(file: string): Promise<void>;

  async epoch(
    order: number[],
    batch: number,
    onBatch: (b: number, batches: number, loss: number) => Promise<void>,
    stopRequested: () => boolean,
    lrs?: ArrayLike<number>,
  ): Promise<EpochResult> {
    let nonFinite: EpochResult['nonFinite'];
    let stopSent = false;
    const pending: Array<Promise<void>> = [];
    const last = await this.worker.request({ op: 'epoch', set: 'train', order, batch, ...(lrs ? { lrs: Array.from(lrs) } : {}) }, (r) => {
      if (typeof r.batch !== 'number') return true;
      const loss = Number(r.loss);
      if (!Number.isFinite(loss)) nonFinite ??= { batch: r.batch, value: loss };
      else pending.push(onBatch(r.batch, Number(r.batches), loss));
      // Signals are seen here, between batch lines: the worker checks for 'stop' after each batch.
      if (stopRequested() && !stopSent) {
        stopSent = true;
        this.worker.send({ op: 'stop' });
      }
      return false;
    });
    await Promise.all(pending);
    this.noteUsage(last);
    return { lossSum: Number(last.lossSum), seen: Number(last.seen), ...(nonFinite ? { nonFinite } : {}) };
  }

  async evaluate(batch: number): Promise<EvalResult> {
    const r = await this.worker.request({ op: 'eval', set: 'val', batch });
    this.noteUsage(r, true);
    return { loss: Number(r.loss), accuracy: Number(r.accuracy), ...(typeof r.top5 === 'number' ? { top5: r.top5 } : {}) };
  }

  /**
   * The worker's memory and CPU time (node's own counters do not see a child process). CPU use is
   * measured from one evaluation to the next (a whole epoch); the first from the worker's start.
   */
  protected noteUsage(r: Record<string, unknown>, epochEnd = false): void {
    if (typeof r.peakBytes === 'number') this.peak = Math.max(this.peak, r.peakBytes);
    if (typeof r.bytes === 'number') this.current = r.bytes;
    if (typeof r.cpuSeconds !== 'number' || typeof r.wallSeconds !== 'number') return;
    if (!epochEnd) {
      if (this.cpu.wall === 0) this.cpu = { seconds: r.cpuSeconds, wall: r.wallSeconds };
      return;
    }
    const d = { seconds: r.cpuSeconds - this.cpu.seconds, wall: r.wallSeconds - this.cpu.wall };
    this.cpu = { seconds: r.cpuSeconds, wall: r.wallSeconds };
    const cores = Math.max(1, os.cpus().length);
    if (typeof r.util === 'number') this.util = { util: 100 * r.util, memoryBytes: this.peak, source: 'nvidia-smi' };
    else if (d.wall > 0)
      this.util = {
        util: Math.min(100, (100 * d.seconds) / (d.wall * cores)),
        memoryBytes: typeof r.rssBytes === 'number' ? r.rssBytes : 0,
        source: 'cpu',
      };
  }

  /** The model's outputs for a whole set in inference mode (parity checks against tfjs). */
  async outputs(set: 'train' | 'val'): Promise<Float32Array> {
    const file = path.join(this.dir, 'outputs.f32');
    await this.worker.request({ op: 'forward', set, file });
    const buf = readFileSync(file);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  }

  resetPeak(): void {
    this.peak = 0;
  }

  memory(): EngineMemory {
    return { tensorBytes: this.current, peakBytes: this.peak, ...(this.util ? { device: this.util } : {}) };
  }

  dispose(): void {
    this.worker.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The torch engine's StepEngine for a tfjs graph (YOLOv5-format model YAMLs). */
export class TorchSteps extends TorchWorkerSteps {
  /** tfjs names of the trainable variables, in the worker's order (for the optimizer state). */
  private trainableNames: string[] = [];
  private cached?: CachePlan;

  private constructor(
    worker: TorchWorker,
    private readonly prepared: TorchStepsOptions,
  ) {
    super(worker, prepared);
  }

  static async start(o: TorchStepsOptions): Promise<{ steps: TorchSteps; device: string; totalParams: number; trainableParams: number }> {
    const steps = new TorchSteps(new TorchWorker(o.python), o);
    try {
      const weightsFile = path.join(steps.dir, 'init.f32');
      writeModelWeights(o.prepared.model, weightsFile);
      const init = await steps.worker.request({
        op: 'init',
        topology: modelTopology(o.prepared.model),
        weightsFile,
        device: o.device,
        optimizer: o.optimizer,
        lr: o.lr,
        seed: o.seed,
        output: o.prepared.output,
      });
      steps.trainableNames = o.prepared.model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
      const workerTrainable = init.trainable as string[];
      if (workerTrainable.length !== steps.trainableNames.length) {
        throw new TorchWorkerError(
          `the torch worker trains ${workerTrainable.length} weights, the tfjs model ${steps.trainableNames.length}: the engines disagree on the model`,
        );
      }
      await steps.sendData();
      steps.noteUsage(init);
      return { steps, device: String(init.device), totalParams: Number(init.totalParams), trainableParams: Number(init.trainableParams) };
    } catch (err) {
      steps.dispose();
      throw err;
    }
  }

  async cachePrefix(plan: CachePlan, batch: number): Promise<void> {
    const graph = this.prepared.prepared.graph!;
    // The layers whose outputs are the boundary modules' outputs (-1 is the image input).
    const boundary = plan.boundary!.map((i) => {
      const t = i < 0 ? this.prepared.prepared.model.inputs[0] : graph.outputs[i];
      return `${t.sourceLayer.name}:${t.nodeIndex}`;
    });
    await this.worker.request({ op: 'cache', boundary, batch });
    this.cached = plan;
  }

  /** The prepared model is re-frozen already: the worker follows its trainable layers. */
  async setPhase(p: PhaseSetup): Promise<void> {
    const prepared = this.prepared.prepared;
    const keepInference = keepFrozenBatchNormInference(prepared, p.frozenSoFar);
    const mults = variableMultipliers(prepared, p.moduleMults);
    const names = prepared.model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    const frozenLayers = prepared.model.layers.filter((l) => l.weights.length > 0 && !l.trainable).map((l) => l.name);
    const r = await this.worker.request({ op: 'phase', frozenLayers, keepInference, mults: names.map((n) => mults.get(n) ?? 1) });
    if ((r.trainable as string[]).length !== names.length)
      throw new TorchWorkerError(
        `the torch worker trains ${(r.trainable as string[]).length} weights, the tfjs model ${names.length}: the engines disagree on the model`,
      );
    this.trainableNames = names;
    if (samePlan(p.plan, this.cached)) return;
    if (this.cached) {
      // The worker holds the old prefix's outputs: the images again, then the new prefix if any.
      await this.worker.request({ op: 'uncache' });
      await this.sendData();
      this.cached = undefined;
    }
    if (p.plan.used) await this.cachePrefix(p.plan, p.cacheBatch);
  }

  async weightFiles(meta: TransferLabMetadata, withOptimizer: boolean): Promise<Record<string, Uint8Array | string>> {
    const file = path.join(this.dir, 'weights.f32');
    const optimizerFile = path.join(this.dir, 'optimizer.f32');
    const r = await this.worker.request({ op: 'save', file, ...(withOptimizer ? { optimizerFile } : {}) });
    readModelWeights(this.prepared.prepared.model, file);
    const opt = r.optimizer as { shapes: number[][] } | undefined;
    const state = opt ? adamStateFromFile(optimizerFile, this.trainableNames, opt.shapes) : undefined;
    try {
      return await modelFolderFiles(this.prepared.prepared.model, meta, state);
    } finally {
      if (state) tf.dispose(state.weights.map((w) => w.tensor));
    }
  }

  async restoreOptimizer(file: string): Promise<void> {
    const state = readOptimizerState(file);
    if (!state) return;
    const out = path.join(this.dir, 'resume-optimizer.f32');
    const why = adamStateToFile(state, this.o.optimizer, this.trainableNames, out);
    tf.dispose(state.weights.map((w) => w.tensor));
    if (why) {
      this.o.log('warn', `optimizer state in ${file} ${why}: starting it fresh`);
      return;
    }
    await this.worker.request({ op: 'loadOptimizer', file: out });
    this.o.log('info', `optimizer state restored (${state.weights.length} tensors)`);
  }
}
