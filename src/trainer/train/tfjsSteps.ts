// The tfjs engines' StepEngine: steps and evaluation in this process, on the active tfjs backend.
import * as tf from '@tensorflow/tfjs';
import { modelFolderFiles, readOptimizerState } from '../model/modelFiles';
import type { PreparedModel } from '../model/prepareModel';
import { TensorPeak } from '../system/tensorPeak';
import { batchTensors, FeatureSet } from './featureSet';
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
  private readonly images: { train: FeatureSet; val: FeatureSet };
  private cached?: CachePlan;

  constructor(
    private readonly prepared: PreparedModel,
    private trainSet: FeatureSet,
    private valSet: FeatureSet,
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

  async cachePrefix(plan: CachePlan, batch: number): Promise<void> {
    this.stepModel = buildHead(this.prepared, plan, this.classes);
    this.vars = trainableVariables(this.stepModel);
    this.trainSet = await cacheFeatures(this.prepared, plan, this.images.train, batch, yieldToEventLoop);
    this.valSet = await cacheFeatures(this.prepared, plan, this.images.val, batch, yieldToEventLoop);
    this.cached = plan;
  }

  async setPhase(p: PhaseSetup): Promise<void> {
    keepFrozenBatchNormInference(this.prepared, p.frozenSoFar);
    if (!samePlan(p.plan, this.cached)) {
      if (p.plan.used) await this.cachePrefix(p.plan, p.cacheBatch);
      else {
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
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * batch, (b + 1) * batch);
      const { inputs, labels } = batchTensors(this.trainSet, idx, this.classes);
      this.optimizer.setRate(lrs?.[b] ?? this.lr);
      const loss = trainStep(this.stepModel, this.optimizer, this.vars, this.prepared.output, inputs, labels);
      const value = (await loss.data())[0];
      tf.dispose([loss, labels, ...inputs]);
      if (!Number.isFinite(value)) return { lossSum, seen, nonFinite: { batch: b + 1, value } };
      lossSum += value * idx.length;
      seen += idx.length;
      await onBatch(b + 1, batches, value);
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
    // Tensors of this run are released with the process.
  }
}
