// The tfjs engines' StepEngine: steps and evaluation in this process, on the active tfjs backend.
import * as tf from '@tensorflow/tfjs';
import { modelFolderFiles, readOptimizerState } from '../model/modelFiles';
import type { PreparedModel } from '../model/prepareModel';
import { TensorPeak } from '../system/tensorPeak';
import { cachedPrefix } from '../cache/cachedPrefix';
import type { SampleSource } from '../data/sampleSource';
import { batchTensors } from './featureSet';
import { buildHead, cacheFeatures, CachePlan, samePlan } from './frozenCache';
import type { ScaledOptimizer } from './rateControl';
import type { EngineMemory, EpochResult, PhaseSetup, StepEngine } from './stepEngine';
import { keepFrozenBatchNormInference, variableMultipliers } from './variableRates';
import { evaluate, EvalResult, makeOptimizer, trainableVariables, trainStep } from './steps';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class TfjsSteps implements StepEngine {
  private stepModel: tf.LayersModel;
  private readonly optimizer: ScaledOptimizer;
  private vars: tf.Variable[];
  /** The decoded images: kept to train on again when a phase drops the prefix cache. */
  private readonly images: { train: SampleSource; val: SampleSource };
  private cached?: CachePlan;

  constructor(
    private readonly prepared: PreparedModel,
    private trainSet: SampleSource,
    private valSet: SampleSource,
    private readonly classes: number,
    kind: 'adam' | 'sgd',
    private readonly lr: number,
    private readonly peak: TensorPeak,
    private readonly log: (level: 'info' | 'warn', msg: string) => void,
  ) {
    this.stepModel = prepared.model;
    this.optimizer = makeOptimizer(kind, lr);
    this.vars = trainableVariables(this.stepModel);
    this.images = { train: trainSet, val: valSet };
  }

  cacheNote?: string;
  private cacheFiles: SampleSource[] = [];

  async cachePrefix(plan: CachePlan, batch: number): Promise<void> {
    this.stepModel = buildHead(this.prepared, plan, this.classes);
    this.vars = trainableVariables(this.stepModel);
    this.closeCache();
    if (plan.shared) {
      const c = await cachedPrefix(this.prepared, plan, this.images, batch, plan.shared, yieldToEventLoop);
      [this.trainSet, this.valSet] = [c.train, c.val];
      this.cacheFiles = [c.train, c.val];
      this.cacheNote = c.note;
    } else {
      this.trainSet = await cacheFeatures(this.prepared, plan, this.images.train, batch, yieldToEventLoop);
      this.valSet = await cacheFeatures(this.prepared, plan, this.images.val, batch, yieldToEventLoop);
    }
    this.cached = plan;
  }

  /** A shared cache's sources (open files) are this engine's to close; the image sources are the dataset's. */
  private closeCache(): void {
    for (const set of this.cacheFiles) void set.close();
    this.cacheFiles = [];
  }

  async setPhase(p: PhaseSetup): Promise<void> {
    keepFrozenBatchNormInference(this.prepared, p.frozenSoFar);
    if (!samePlan(p.plan, this.cached)) {
      if (p.plan.used) await this.cachePrefix(p.plan, p.cacheBatch);
      else {
        this.closeCache();
        this.stepModel = this.prepared.model;
        this.trainSet = this.images.train;
        this.valSet = this.images.val;
        this.cached = undefined;
      }
    }
    this.vars = trainableVariables(this.stepModel);
    this.optimizer.retarget(this.vars.map((v) => v.name));
    this.optimizer.setMultipliers(variableMultipliers(this.prepared, p.moduleMults));
  }

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
    for await (const sample of this.trainSet.batches(order, batch)) {
      b++;
      const n = sample.labels.length;
      if (n === 0) continue; // every file of the batch was unreadable
      const { inputs, labels } = batchTensors(sample, this.trainSet.shapes, this.classes);
      this.optimizer.setRate(lrs?.[b - 1] ?? this.lr);
      const loss = trainStep(this.stepModel, this.optimizer, this.vars, this.prepared.output, inputs, labels);
      const value = (await loss.data())[0];
      tf.dispose([loss, labels, ...inputs]);
      if (!Number.isFinite(value)) return { lossSum, seen, nonFinite: { batch: b, value } };
      lossSum += value * n;
      seen += n;
      await onBatch(b, batches, value);
      if (stopRequested()) break;
    }
    return { lossSum, seen };
  }

  evaluate(batch: number): Promise<EvalResult> {
    return evaluate(this.stepModel, this.prepared.output, this.valSet, this.classes, batch, yieldToEventLoop);
  }

  weightFiles(meta: Parameters<StepEngine['weightFiles']>[0], withOptimizer: boolean): Promise<Record<string, Uint8Array | string>> {
    return modelFolderFiles(this.prepared.model, meta, withOptimizer ? this.optimizer : undefined);
  }

  /** Adam/SGD state from weights/last, so a resumed run continues as if it had not stopped. */
  async restoreOptimizer(file: string): Promise<void> {
    const state = readOptimizerState(file);
    if (!state) return;
    const dispose = (): void => tf.dispose(state.weights.map((w) => w.tensor));
    if (state.className !== this.optimizer.getClassName()) {
      this.log(
        'warn',
        `optimizer state in ${file} is ${state.className}, the experiment uses ${this.optimizer.getClassName()}: starting it fresh`,
      );
      return dispose();
    }
    // Slot variables follow the variable list; the names must match this model's variables.
    const names = new Set(this.vars.map((v) => v.name));
    if (!state.weights.filter((w) => w.name !== 'iter').every((w) => names.has(w.name.replace(/\/(m|v)$/, '')))) {
      this.log('warn', `optimizer state in ${file} does not match the trainable weights: starting it fresh`);
      return dispose();
    }
    await this.optimizer.setWeights(state.weights);
    this.optimizer.retarget(this.vars.map((v) => v.name)); // slots by name, not by position
    this.log('info', `optimizer state restored (${state.weights.length} tensors)`);
  }

  resetPeak(): void {
    this.peak.reset();
  }

  memory(): EngineMemory {
    return { tensorBytes: tf.memory().numBytes, peakBytes: this.peak.bytes };
  }

  dispose(): void {
    // Tensors of this run are released with the process; a spilled cache's files are closed (the
    // image sources are the dataset's, closed by its owner).
    this.closeCache();
  }
}
