// What the epoch loop asks of an engine: train an epoch in a given order, evaluate, hand over the
// weights as run-folder files. The tfjs engines do it in this process (tfjsSteps.ts); the torch
// engine in a Python worker (torch/torchSteps.ts). The loop, the run folder and the progress lines
// are the same for both.
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

export interface StepEngine {
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
