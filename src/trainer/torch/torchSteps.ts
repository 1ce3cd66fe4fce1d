// The torch engine's StepEngine: the Python worker trains and evaluates; this side sends it the
// model (the tfjs graph the trainer built, with its initial or pretrained weights), then each
// epoch's batches as the streamed loader decodes them (torchBatches.ts), and turns its weights back
// into the same tfjs run-folder files.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelFolderFiles, readOptimizerState, TransferLabMetadata } from '../model/modelFiles';
import type { PreparedModel } from '../model/prepareModel';
import { inOrder } from '../data/arraySource';
import type { SampleSource } from '../data/sampleSource';
import { CachePlan, samePlan } from '../train/frozenCache';
import type { EngineMemory, EpochResult, PhaseSetup, StepEngine } from '../train/stepEngine';
import { keepFrozenBatchNormInference, variableMultipliers } from '../train/variableRates';
import type { EvalResult } from '../train/steps';
import { ImageOutputsBuilder } from '../predictions/imageOutputs';
import { batchRequests, BatchRequest } from './torchBatches';
import { adamStateFromFile, adamStateToFile } from './optimizerState';
import { modelTopology, readModelWeights, writeModelWeights } from './topology';
import { TorchWorker, TorchWorkerError } from './torchWorker';

/** What any model on the torch worker needs (the tfjs graph's options add the prepared model). */
export interface TorchWorkerOptions {
  python: string;
  device: string;
  train: SampleSource;
  val: SampleSource;
  optimizer: 'adam' | 'sgd';
  lr: number;
  seed: number;
  log: (level: 'info' | 'warn', msg: string) => void;
}

export interface TorchStepsOptions extends TorchWorkerOptions {
  prepared: PreparedModel;
}

/** A list of numbers from a worker reply (per-image outputs); anything else is a protocol error. */
function numbers(v: unknown): number[] {
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  throw new TorchWorkerError(`the torch worker's per-image outputs are not a list of numbers: ${JSON.stringify(v)?.slice(0, 80)}`);
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

  /** Per set, the samples the worker's frozen-prefix cache lacks (unreadable); set once it is cached. */
  protected cachedMissing?: Record<'train' | 'val', ReadonlySet<number>>;

  protected requests(set: 'train' | 'val', order: ArrayLike<number>, batch: number): AsyncIterable<BatchRequest> {
    return batchRequests(this.dir, set, this.o[set], order, batch, this.cachedMissing?.[set]);
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
    const batches = Math.ceil(order.length / batch);
    let lossSum = 0;
    let seen = 0;
    let b = 0;
    await this.worker.request({ op: 'epochStart' });
    for await (const { fields, n } of this.requests('train', order, batch)) {
      b++;
      if (!fields) continue; // every file of the batch was unreadable
      // The step's base rate (a schedule's, or the experiment's); the worker applies each group's multiplier.
      const rate = lrs?.[b - 1];
      const loss = Number((await this.worker.request({ op: 'step', ...fields, ...(rate !== undefined ? { lr: rate } : {}) })).loss);
      if (!Number.isFinite(loss)) return { lossSum, seen, nonFinite: { batch: b, value: loss } };
      lossSum += loss * n;
      seen += n;
      await onBatch(b, batches, loss);
      if (stopRequested()) break;
    }
    this.noteUsage(await this.worker.request({ op: 'usage' }));
    return { lossSum, seen };
  }

  /** Loss and accuracy over the readable validation samples (the denominator: those evaluated). */
  async evaluate(batch: number): Promise<EvalResult> {
    let lossSum = 0;
    let correct = 0;
    let top5: number | undefined;
    let seen = 0;
    const images = new ImageOutputsBuilder();
    for await (const { fields, n, indices } of this.requests('val', inOrder(this.o.val.count), batch)) {
      if (!fields) continue;
      const r = await this.worker.request({ op: 'evalBatch', ...fields, images: true });
      images.add(indices, numbers(r.predicted), numbers(r.probability), numbers(r.imageLoss));
      lossSum += Number(r.lossSum);
      correct += Number(r.correct);
      if (typeof r.top5 === 'number') top5 = (top5 ?? 0) + r.top5;
      seen += n;
    }
    this.noteUsage(await this.worker.request({ op: 'usage' }), true);
    const d = Math.max(1, seen);
    return { loss: lossSum / d, accuracy: correct / d, ...(top5 !== undefined ? { top5: top5 / d } : {}), images: images.result() };
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

  /** The model's outputs for a whole set in inference mode, batch by batch (parity checks against tfjs). */
  async outputs(set: 'train' | 'val'): Promise<Float32Array> {
    const out = path.join(this.dir, 'outputs.f32');
    const parts: Float32Array[] = [];
    for await (const { fields } of this.requests(set, inOrder(this.o[set].count), 256)) {
      if (!fields) continue;
      await this.worker.request({ op: 'forward', ...fields, out });
      const buf = readFileSync(out);
      parts.push(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)));
    }
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    return all;
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
      steps.noteUsage(init);
      return { steps, device: String(init.device), totalParams: Number(init.totalParams), trainableParams: Number(init.trainableParams) };
    } catch (err) {
      steps.dispose();
      throw err;
    }
  }

  /** The frozen prefix's outputs, computed once in the worker from streamed batches and kept in its memory. */
  async cachePrefix(plan: CachePlan, batch: number): Promise<void> {
    const graph = this.prepared.prepared.graph!;
    // The layers whose outputs are the boundary modules' outputs (-1 is the image input).
    const boundary = plan.boundary!.map((i) => {
      const t = i < 0 ? this.prepared.prepared.model.inputs[0] : graph.outputs[i];
      return `${t.sourceLayer.name}:${t.nodeIndex}`;
    });
    const missing = { train: new Set<number>(), val: new Set<number>() };
    for (const set of ['train', 'val'] as const) {
      const total = this.o[set].count;
      inOrder(total).forEach((i) => missing[set].add(i));
      for await (const { fields, indices } of this.requests(set, inOrder(total), batch)) {
        if (!fields) continue;
        await this.worker.request({ op: 'cacheBatch', set, boundary, total, indices: Array.from(indices), ...fields });
        Array.from(indices).forEach((i) => missing[set].delete(i));
      }
    }
    await this.worker.request({ op: 'cacheDone', boundary });
    this.cachedMissing = missing;
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
      this.cachedMissing = undefined; // batches stream from the images again
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
