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
// test/unit/costMeasured.test.ts checks predicted against measured speed-ups.
import type { FreezeSpec } from '../experiment/types';
import { freezePrefixes, isParamFrozen } from '../freeze';
import type { LayerInfo, ModelSummary, ModuleInfo } from '../model/types';

/** FLOP-equivalents of one element-wise pass over one element (a float read and written). */
export const ELEMENT_COST = 60;
/** FLOP-equivalents of one kernel call (its fixed cost: about 14 µs at 35 GFLOP/s). */
export const CALL_COST = 500_000;
/** Per trainable tensor and step, Adam's kernel calls; its passes over each parameter. */
export const OPTIMIZER_CALLS = 12;
export const OPTIMIZER_PASSES = 10;
/** Kernel calls of a step outside the layers (loss, its gradient, bookkeeping). */
export const STEP_CALLS = 10;

/** Element passes and kernel calls of a layer kind: [forward, backward]. */
const PASSES = {
  batchNormTrain: [6, 14], batchNormFrozen: [1, 3], silu: [2, 5], relu: [1, 2], pool: [1, 2], copy: [1, 1], bias: [1, 1],
} as const;
const CALLS = {
  conv: [1, 3], dense: [1, 3], batchNormTrain: [8, 30], batchNormFrozen: [1, 4], silu: [2, 5], relu: [1, 2], pool: [1, 1], copy: [1, 1], bias: [1, 1],
} as const;

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

interface Spatial { h: number; w: number }

/** Parameters that multiply activations (as opposed to biases and batch-norm scales). */
const WEIGHT_NAMES = new Set(['weight', 'kernel', 'depthwise_kernel', 'pointwise_kernel']);
const CONV_TYPES = /conv/i;
const NORM_TYPES = /batchnorm/i;
const DENSE_TYPES = /^(linear|dense)$/i;

function lastPart(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

function product(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}

/** Elements per image of a module's output (HWC or flat), or undefined. */
function elements(shape: number[] | undefined): number | undefined {
  return shape && shape.every((d) => Number.isFinite(d)) ? product(shape) : undefined;
}

function spatialOf(shape: number[] | undefined): Spatial | undefined {
  return shape && shape.length === 3 ? { h: shape[0], w: shape[1] } : undefined;
}

/** Module indices feeding `m` (-1: the model input). tfjs models are chains. */
export function moduleInputIndices(m: ModuleInfo): number[] {
  const from = m.from ?? -1;
  return (Array.isArray(from) ? from : [from]).map((f) => (f < 0 ? m.index + f : f));
}

export interface PrefixCacheRules {
  applies: boolean;
  reason: string;
  /** First module trained on the cached outputs. */
  start?: number;
  /** Modules (< start) whose outputs are cached, in input order of the head. */
  boundary?: number[];
}

/**
 * The frozen-prefix cache's rules, shared by the trainer (planCache, which adds the dataset-size
 * budget) and the cost prediction: the leading modules whose layers are all frozen (`layerFrozen`;
 * parameter-free layers count as frozen) are computed once when there is such a prefix with
 * parameters, something after it trains, no Dropout is in it, and no trainable module reads the image.
 */
export function prefixCacheRules(model: ModelSummary, layerFrozen: (layer: LayerInfo) => boolean): PrefixCacheRules {
  if (model.kind !== 'yolov5-yaml') return { applies: false, reason: 'only YOLOv5-style YAML models can cache a frozen prefix' };
  let k = 0;
  while (k < model.modules.length && model.modules[k].layers.every((l) => l.params.length === 0 || layerFrozen(l))) k++;
  if (k === 0 || !model.modules.slice(0, k).some((m) => m.params > 0)) return { applies: false, reason: 'no frozen modules at the start of the model' };
  if (k >= model.modules.length) return { applies: false, reason: 'every module is frozen' };
  const dropout = model.modules.slice(0, k).find((m) => m.type === 'Dropout');
  if (dropout) return { applies: false, reason: `${dropout.name} (Dropout) in the frozen prefix makes it random per step` };
  const boundary = new Set<number>();
  for (const m of model.modules.slice(k)) for (const i of moduleInputIndices(m)) if (i < k) boundary.add(i);
  if (boundary.has(-1)) return { applies: false, reason: 'a trainable module reads the input image directly' };
  return { applies: true, reason: `modules ${model.modules[0].name}–${model.modules[k - 1].name} train nothing: their outputs are computed once`, start: k, boundary: [...boundary].sort((a, b) => a - b) };
}

/** Whether the trainer would cache the frozen prefix for this spec (before its dataset-size budget). */
export function cachePlan(model: ModelSummary, spec: FreezeSpec): PrefixCacheRules {
  const prefixes = freezePrefixes(spec);
  return prefixCacheRules(model, (l) => l.params.every((p) => isParamFrozen(p.name, prefixes)));
}

interface LayerWork {
  forward: number;
  inputGradient: number;
  weightGradient: number;
  /** Element passes per image (element-wise work, forward and backward). */
  passes: number;
  /** Kernel calls per step. */
  calls: number;
  activationElements: number;
}

type Pair = readonly [number, number];

/** Cost of one module given which parameters are trainable and whether its input carries a gradient. */
function moduleWork(
  kind: ModelSummary['kind'], m: ModuleInfo, inputs: Array<number[] | undefined>, inputNeedsGrad: boolean, prefixes: readonly string[],
): { work: LayerWork; outNeedsGrad: boolean; trainable: number; trainableTensors: number; unknown?: string } {
  const work: LayerWork = { forward: 0, inputGradient: 0, weightGradient: 0, passes: 0, calls: 0, activationElements: 0 };
  const out = spatialOf(m.outShape);
  const firstIn = spatialOf(inputs[0]);
  const outElements = elements(m.outShape);
  let needs = inputNeedsGrad; // whether the activation flowing through the module carries a gradient
  let trainable = 0;
  let trainableTensors = 0;
  let unknown: string | undefined;
  const px = (sp: Spatial | undefined): number | undefined => (sp ? sp.h * sp.w : undefined);
  /** Element-wise op over `e` elements per image: forward always, backward when a gradient flows through it. */
  const elementwise = (e: number, passes: Pair, calls: Pair, backward: boolean, keep = 0): void => {
    work.passes += e * (passes[0] + (backward ? passes[1] : 0));
    work.calls += calls[0] + (backward ? calls[1] : 0);
    if (backward) work.activationElements += keep;
  };

  /** Pixels at which a layer with weights runs (its output positions; input ones for transposed convs). */
  const pixelsFor = (layer: LayerInfo, position: number): number | undefined => {
    if (DENSE_TYPES.test(layer.type)) return 1;
    if (/transpose/i.test(layer.type)) return px(firstIn);
    if (m.type === 'Detect') {
      const i = Number(/\.m\.(\d+)$/.exec(layer.name)?.[1] ?? 0);
      return px(spatialOf(inputs[i]));
    }
    if (m.type === 'Classify' && firstIn) {
      const [, , k = 1, st = 1] = (m.args ?? []) as number[];
      const size = (v: number): number => Math.floor((v + 2 * Math.floor(k / 2) - k) / st) + 1;
      return size(firstIn.h) * size(firstIn.w);
    }
    if (m.type === 'GhostBottleneck' && /\.conv\.0\./.test(layer.name) && firstIn) return px(firstIn);
    if (m.type === 'CrossConv' && position === 0 && firstIn && out) return firstIn.h * out.w;
    return px(out);
  };

  let position = 0;
  let lastPixels: number | undefined = px(out);
  for (const layer of m.layers) {
    const open = layer.params.filter((p) => !isParamFrozen(p.name, prefixes));
    const layerTrainable = open.length > 0;
    trainable += open.reduce((a, p) => a + p.count, 0);
    trainableTensors += open.length;
    const weight = layer.params.find((p) => WEIGHT_NAMES.has(lastPart(p.name)));
    if (weight && (CONV_TYPES.test(layer.type) || DENSE_TYPES.test(layer.type))) {
      const pixels = pixelsFor(layer, position);
      if (pixels === undefined) {
        unknown = unknownSizeReason(kind, m);
        position++;
        continue;
      }
      lastPixels = pixels;
      const flops = 2 * weight.count * pixels;
      const { inChannels, outChannels } = channelsOf(layer.type, weight.shape);
      const dense = DENSE_TYPES.test(layer.type);
      work.forward += flops;
      work.calls += 1;
      if (layerTrainable) {
        work.weightGradient += flops;
        work.calls += (dense ? CALLS.dense : CALLS.conv)[1] - 1;
        // Kept for the weight gradient: the layer's input (≈ input channels at the pixels it reads).
        work.activationElements += inChannels * (position === 0 && firstIn ? (px(firstIn) ?? pixels) : pixels);
      }
      if (needs) {
        work.inputGradient += flops;
        work.calls += 1;
      }
      if (layer.params.some((p) => lastPart(p.name) === 'bias')) elementwise(outChannels * pixels, PASSES.bias, CALLS.bias, layerTrainable);
      needs = needs || layerTrainable;
    } else if (NORM_TYPES.test(layer.type)) {
      const c = layer.params[0]?.shape[0] ?? 0;
      const standalone = m.type === 'BatchNorm2d' || m.type === 'BatchNorm' || kind === 'tfjs';
      const e = c * (standalone ? (px(out) ?? 1) : (lastPixels ?? 1));
      if (layerTrainable) elementwise(e, PASSES.batchNormTrain, CALLS.batchNormTrain, true, e);
      else elementwise(e, PASSES.batchNormFrozen, CALLS.batchNormFrozen, needs);
      needs = needs || layerTrainable;
      // YOLOv5 blocks follow each batch norm with an activation (SiLU).
      if (!standalone) elementwise(e, PASSES.silu, CALLS.silu, needs, e);
    }
    position++;
  }

  // Module-level element-wise work without parameters.
  const inElements = elements(inputs[0]);
  switch (m.type) {
    case 'MaxPool':
    case 'AvgPool':
      if (inElements !== undefined) elementwise(inElements, PASSES.pool, CALLS.pool, needs, inElements + (outElements ?? 0));
      break;
    case 'SPP':
    case 'SPPF':
      // Pools over the c/2-channel middle, then a concatenation: about 1.5 outputs' worth.
      if (outElements !== undefined) elementwise(1.5 * outElements, PASSES.pool, [3, 3], needs, 1.5 * outElements);
      break;
    case 'Upsample':
    case 'Concat':
    case 'Contract':
    case 'Expand':
    case 'GlobalAvgPool':
    case 'Dropout':
      elementwise(Math.max(outElements ?? 0, inElements ?? 0), PASSES.copy, CALLS.copy, needs);
      break;
    case 'Dense': {
      const act = String(m.args?.[2] ?? 'linear').toLowerCase();
      if (act !== 'linear' && act !== 'none' && outElements !== undefined) {
        const silu = act === 'silu' || act === 'swish';
        elementwise(outElements, silu ? PASSES.silu : PASSES.relu, silu ? CALLS.silu : CALLS.relu, needs, outElements);
      }
      break;
    }
    default:
      if (m.params === 0 && !/flatten|reshape/i.test(m.type)) elementwise(outElements ?? 0, PASSES.copy, CALLS.copy, needs);
  }
  return { work, outNeedsGrad: needs, trainable, trainableTensors, unknown };
}

/**
 * Input and output channels from a weight's shape: PyTorch Conv2d [out, in/g, kh, kw] (a depthwise
 * one has in/g = 1), ConvTranspose2d [in, out/g, kh, kw], Linear [out, in]; TensorFlow.js Conv2D
 * [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, multiplier], Dense [in, out].
 */
export function channelsOf(type: string, shape: number[]): { inChannels: number; outChannels: number } {
  const last = shape[shape.length - 1] ?? 1;
  switch (type) {
    case 'Conv2d':
      return { inChannels: shape[1] === 1 ? shape[0] : shape[1], outChannels: shape[0] };
    case 'ConvTranspose2d':
      return { inChannels: shape[0], outChannels: shape[1] };
    case 'Linear':
      return { inChannels: shape[1] ?? 1, outChannels: shape[0] };
    case 'DepthwiseConv2D':
      return { inChannels: shape[2] ?? 1, outChannels: (shape[2] ?? 1) * last };
    default:
      return { inChannels: shape.length >= 2 ? shape[shape.length - 2] : 1, outChannels: last };
  }
}

function stepUnits(flops: number, passes: number, callsPerStep: number, trainable: number, trainableTensors: number, batch: number): number {
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
        index: m.index, name: m.name, trainableParams: r.trainable,
        forwardFlops: r.work.forward, backwardFlops: r.work.inputGradient + r.work.weightGradient,
        inputGradientFlops: r.work.inputGradient, weightGradientFlops: r.work.weightGradient,
        elementPasses: r.work.passes, kernelCalls: r.work.calls,
        activationBytes: 4 * r.work.activationElements, cached: false, tensors: r.trainableTensors,
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
      stepUnits: stepUnits(forwardFlops + backwardFlops, t((m) => m.elementPasses), t((m) => m.kernelCalls), trainable, t((m) => m.tensors), batch),
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

function unknownSizeReason(kind: ModelSummary['kind'], m: ModuleInfo): string {
  return kind === 'tfjs'
    ? `the output size of ${m.name} is unknown: model.json summaries carry no layer shapes`
    : `the output size of ${m.name} is unknown: set train.imgsz`;
}
