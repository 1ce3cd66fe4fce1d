// What a training step costs, predicted from the model summary and a freeze spec alone (no
// TensorFlow.js): per module and in total, per image — trainable parameters, forward and backward
// FLOPs, the activations kept for backprop, and the speed-up over training everything, with and
// without the frozen-prefix cache.
//
// Rules (the ones the trainer follows, see src/trainer/train/steps.ts and frozenCache.ts):
// - a layer computes its weight gradient only when it is trainable, and its input gradient only
//   when something upstream of it is trainable (nothing flows back into a frozen prefix, nor into
//   the image);
// - a layer with weights does 2·(weights)·(output pixels) FLOPs forward (a transposed convolution:
//   input pixels); each of its two gradients costs the same again;
// - batch norm trains in batch mode when trainable and runs in inference mode when frozen;
// - with the cache, the frozen prefix runs once per image for the whole run instead of every step.
// Time model (relative units = FLOPs; only ratios are meaningful), three terms per step:
//   FLOPs + ELEMENT_COST · element passes (element-wise work: bias, batch norm, activations,
//   pooling; memory-bound) + CALL_COST · kernel calls (each op has a fixed cost in TensorFlow.js),
// with pass and call counts per layer taken from the ops TensorFlow.js runs for it, and the
// constants fitted to wasm step times of two small YOLO-style models (15 configurations: freeze
// specs with and without the cache; one run, 2-core x86, rms error of the predicted times 18%).
// test/trainer/costMeasured.test.ts checks predicted against measured speed-ups.
//
// The per-module accounting is moduleWork.ts; the cache's rules, shared with the trainer, are
// prefixCache.ts. This file sums modules into a step, with and without the cache.
import type { FreezeSpec } from '../../shared/experiment/types';
import { freezePrefixes } from '../../shared/freeze';
import type { ModelSummary } from '../../shared/model/types';
import { elements, moduleWork } from './moduleWork';
import { cachePlan, moduleInputIndices } from '../../shared/cost/prefixCache';
import type { PrefixCacheRules } from '../../shared/cost/prefixCache';

/** FLOP-equivalents of one element-wise pass over one element (a float read and written). */
export const ELEMENT_COST = 60;
/** FLOP-equivalents of one kernel call (its fixed cost: about 14 µs at 35 GFLOP/s). */
export const CALL_COST = 500_000;
/** Per trainable tensor and step, Adam's kernel calls; its passes over each parameter. */
export const OPTIMIZER_CALLS = 12;
export const OPTIMIZER_PASSES = 10;
/** Kernel calls of a step outside the layers (loss, its gradient, bookkeeping). */
export const STEP_CALLS = 10;

export interface ModuleCost {
  index: number;
  name: string;
  trainableParams: number;
  /** Per image. */
  forwardFlops: number;
  /** Per image: input gradients plus weight gradients. */
  backwardFlops: number;
  inputGradientFlops: number;
  weightGradientFlops: number;
  /** Element-wise work per image, forward and backward: elements times passes over them. */
  elementPasses: number;
  /** Kernel calls per step (each has a fixed cost). */
  kernelCalls: number;
  /** Bytes of activations this module keeps per image for the backward pass (float32). */
  activationBytes: number;
  /** Inside the frozen prefix whose outputs the cache computes once. */
  cached: boolean;
}

export interface CostTotals {
  trainableParams: number;
  forwardFlops: number;
  backwardFlops: number;
  activationBytes: number;
  /** Relative time of one image's share of a step (FLOP-equivalents, optimizer included). */
  stepUnits: number;
}

export interface CacheCost {
  applies: boolean;
  reason: string;
  /** First module trained on cached outputs. */
  start?: number;
  /** Bytes the cache stores per image (the prefix outputs later modules read). */
  bytesPerImage?: number;
  /** Predicted step time without cache / with cache (same freeze spec). */
  speedup?: number;
  /** Predicted step time with nothing frozen / this spec with the cache. */
  speedupVsFull?: number;
  /** Relative per-image cost of the one pass that fills the cache. */
  fillUnits?: number;
}

export interface CostReport {
  batch: number;
  modules: ModuleCost[];
  /** This freeze spec, without the cache. */
  total: CostTotals;
  /** Nothing frozen. */
  full: CostTotals;
  /** Predicted step-time ratio: nothing frozen / this spec, without the cache. */
  speedup: number;
  cache: CacheCost;
  /** Modules whose cost could not be computed (unknown spatial size…), with the reason; they count as 0. */
  unknown: Array<{ name: string; reason: string }>;
}

function stepUnits(
  flops: number,
  passes: number,
  callsPerStep: number,
  trainable: number,
  trainableTensors: number,
  batch: number,
): number {
  const calls = callsPerStep + STEP_CALLS + OPTIMIZER_CALLS * trainableTensors;
  return flops + ELEMENT_COST * (passes + (OPTIMIZER_PASSES * trainable) / batch) + (CALL_COST * calls) / batch;
}

/** Forward + backward FLOPs of one training step (the whole batch) through `modules`. */
export function stepFlops(modules: readonly ModuleCost[], batch: number): number {
  return batch * modules.reduce((a, m) => a + m.forwardFlops + m.backwardFlops, 0);
}

/**
 * Cost of every module and of a whole step for `spec` (per image; `batch` spreads per-step costs).
 * `noPrefixCache`: why the experiment's trainer has no frozen-prefix cache (YOLOv5's train.py), so
 * no cache speed-up is predicted.
 */
export function estimateCost(model: ModelSummary, spec: FreezeSpec, batch = 32, opts: { noPrefixCache?: string } = {}): CostReport {
  const run = (prefixes: readonly string[]) => {
    const needsGrad = new Map<number, boolean>();
    const unknown: Array<{ name: string; reason: string }> = [];
    const modules = model.modules.map((m): ModuleCost & { tensors: number } => {
      const from = moduleInputIndices(m);
      const inputs = from.map((i) => (i < 0 ? model.inputShape : model.modules[i]?.outShape));
      const inNeeds = from.some((i) => i >= 0 && needsGrad.get(i) === true);
      const r = moduleWork(model.kind, m, inputs, inNeeds, prefixes);
      needsGrad.set(m.index, r.outNeedsGrad);
      if (r.unknown) unknown.push({ name: m.name, reason: r.unknown });
      return {
        index: m.index,
        name: m.name,
        trainableParams: r.trainable,
        forwardFlops: r.work.forward,
        backwardFlops: r.work.inputGradient + r.work.weightGradient,
        inputGradientFlops: r.work.inputGradient,
        weightGradientFlops: r.work.weightGradient,
        elementPasses: r.work.passes,
        kernelCalls: r.work.calls,
        activationBytes: 4 * r.work.activationElements,
        cached: false,
        tensors: r.trainableTensors,
      };
    });
    return { modules, unknown };
  };
  const totals = (mods: Array<ModuleCost & { tensors: number }>): CostTotals => {
    const t = (f: (m: ModuleCost & { tensors: number }) => number) => mods.reduce((a, m) => a + f(m), 0);
    const trainable = t((m) => m.trainableParams);
    const forwardFlops = t((m) => m.forwardFlops);
    const backwardFlops = t((m) => m.backwardFlops);
    return {
      trainableParams: trainable,
      forwardFlops,
      backwardFlops,
      activationBytes: t((m) => m.activationBytes),
      stepUnits: stepUnits(
        forwardFlops + backwardFlops,
        t((m) => m.elementPasses),
        t((m) => m.kernelCalls),
        trainable,
        t((m) => m.tensors),
        batch,
      ),
    };
  };

  const mine = run(freezePrefixes(spec));
  const all = run([]);
  const total = totals(mine.modules);
  const full = totals(all.modules);
  const plan: PrefixCacheRules = opts.noPrefixCache !== undefined ? { applies: false, reason: opts.noPrefixCache } : cachePlan(model, spec);
  const cache: CacheCost = { applies: plan.applies, reason: plan.reason };
  if (plan.applies && plan.start !== undefined) {
    const start = plan.start;
    for (const m of mine.modules) m.cached = m.index < start;
    const head = totals(mine.modules.slice(start));
    const outs = plan.boundary!.map((i) => elements(model.modules[i].outShape));
    if (outs.every((e) => e !== undefined)) cache.bytesPerImage = 4 * outs.reduce<number>((a, e) => a + e!, 0);
    cache.start = start;
    if (head.stepUnits > 0) {
      cache.speedup = total.stepUnits / head.stepUnits;
      cache.speedupVsFull = full.stepUnits / head.stepUnits;
    }
    const prefix = mine.modules.slice(0, start);
    cache.fillUnits = prefix.reduce((a, m) => a + m.forwardFlops + ELEMENT_COST * m.elementPasses + (CALL_COST * m.kernelCalls) / batch, 0);
  }
  return {
    batch,
    modules: mine.modules.map(({ tensors: _tensors, ...m }) => m),
    total,
    full,
    speedup: total.stepUnits > 0 ? full.stepUnits / total.stepUnits : 1,
    cache,
    unknown: mine.unknown,
  };
}
