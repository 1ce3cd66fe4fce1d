// What the epoch loop asks of an engine: train an epoch in a given order, evaluate, hand over the
// weights as run-folder files. The tfjs engines do it in this process (tfjsSteps.ts); the torch
// engine in a Python worker (torch/torchSteps.ts). The loop, the run folder and the progress lines
// are the same for both.
import type { FreezeSpec } from '../../shared/experiment/types';
import type { TransferLabMetadata } from '../model/modelFiles';
import type { CachePlan } from './frozenCache';
import type { EvalResult } from './steps';

export interface EpochResult {
  lossSum: number;
  seen: number;
  /** A loss that was NaN or infinite ends the epoch at once. */
  nonFinite?: { batch: number; value: number };
}

export interface EngineMemory {
  /** Tensor bytes held now and at most during the epoch (the engine's allocator). */
  tensorBytes: number;
  peakBytes: number;
  /** Device use measured by the engine itself (the torch worker's CPU time, or CUDA's allocator). */
  device?: { util: number; memoryBytes: number; source: 'nvidia-smi' | 'cpu' };
}

/** What trains from now on: a freeze schedule's phase, or the run's start with per-module rates. */
export interface PhaseSetup {
  /** The freeze in force. A tfjs graph's engines read it from the prepared model, which the caller
   *  has re-frozen already (phaseSwitch.ts); the torchvision engine applies it in its worker. */
  freeze: FreezeSpec;
  /** The freezes of this phase and the earlier ones: batch norm any of them froze stays in
   *  inference mode, trainable again or not (the Keras fine-tuning guide's semantics). */
  frozenSoFar: FreezeSpec[];
  /** Each module's rate multiplier by module index (0 for frozen modules). */
  moduleMults: number[];
  /** The frozen-prefix cache for this freeze (not used: train on the images). */
  plan: CachePlan;
  /** The batch to compute a new cache in. */
  cacheBatch: number;
}

export interface StepEngine {
  /** Re-reads what is trainable and at which rates; switches the prefix cache on or off when the
   *  plan changed. Adam's state follows each variable that stays trainable; a newly unfrozen one
   *  starts with zero moments under the run's step count (fusedAdam.ts). */
  setPhase(p: PhaseSetup): Promise<void>;
  /** From now on, train the head on the frozen prefix's outputs, computed once here (or reused from
   *  the plan's shared cache folder). */
  cachePrefix(plan: CachePlan, batch: number): Promise<void>;
  /** After cachePrefix, what it did when there is more to say (built or reused, spilled, size, where). */
  readonly cacheNote?: string;
  /** One epoch over `order`; `onBatch` after each batch; stops early (between batches) once `stopRequested()`.
   *  `lrs`, when given, is the base learning rate of each batch in turn (a schedule, the LR finder);
   *  per-module multipliers apply on top of it. */
  epoch(
    order: number[],
    batch: number,
    onBatch: (b: number, batches: number, loss: number) => Promise<void>,
    stopRequested: () => boolean,
    lrs?: ArrayLike<number>,
  ): Promise<EpochResult>;
  evaluate(batch: number): Promise<EvalResult>;
  /** The files of a weights folder (model.json, weights.bin, optimizer.bin with `withOptimizer`). */
  weightFiles(meta: TransferLabMetadata, withOptimizer: boolean): Promise<Record<string, Uint8Array | string>>;
  /** Optimizer state from a checkpoint (resume). */
  restoreOptimizer(file: string): Promise<void>;
  /** Starts an epoch's memory window. */
  resetPeak(): void;
  memory(): EngineMemory;
  dispose(): void;
}
