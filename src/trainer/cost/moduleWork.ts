// The work one module does in a training step, per image: FLOPs of its weighted layers (forward,
// input gradient, weight gradient), element-wise passes and kernel calls (bias, batch norm,
// activations, pools, copies), and the activations kept for backprop; given which of its parameters
// train and whether a gradient arrives at its input. The rules are listed at the top of
// estimateCost.ts, which sums these into a step; kept apart so the per-layer accounting reads alone.
import { isParamFrozen } from '../../shared/freeze';
import type { LayerInfo, ModelSummary, ModuleInfo } from '../../shared/model/types';

/** Element passes and kernel calls of a layer kind: [forward, backward]. */
const PASSES = {
  batchNormTrain: [6, 14],
  batchNormFrozen: [1, 3],
  silu: [2, 5],
  relu: [1, 2],
  pool: [1, 2],
  copy: [1, 1],
  bias: [1, 1],
} as const;
const CALLS = {
  conv: [1, 3],
  dense: [1, 3],
  batchNormTrain: [8, 30],
  batchNormFrozen: [1, 4],
  silu: [2, 5],
  relu: [1, 2],
  pool: [1, 1],
  copy: [1, 1],
  bias: [1, 1],
} as const;

/** Parameters that multiply activations (as opposed to biases and batch-norm scales). */
const WEIGHT_NAMES = new Set(['weight', 'kernel', 'depthwise_kernel', 'pointwise_kernel']);
const CONV_TYPES = /conv/i;
const NORM_TYPES = /batchnorm/i;
const DENSE_TYPES = /^(linear|dense)$/i;

interface Spatial {
  h: number;
  w: number;
}
type Pair = readonly [number, number];

export interface LayerWork {
  forward: number;
  inputGradient: number;
  weightGradient: number;
  /** Element passes per image (element-wise work, forward and backward). */
  passes: number;
  /** Kernel calls per step. */
  calls: number;
  activationElements: number;
}

export interface ModuleWork {
  work: LayerWork;
  /** Whether the module's output carries a gradient (something at or before it trains). */
  outNeedsGrad: boolean;
  trainable: number;
  trainableTensors: number;
  /** Why some of its work is unknown (counted as 0). */
  unknown?: string;
}

function lastPart(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

/** Elements per image of a module's output (HWC or flat), or undefined. */
export function elements(shape: number[] | undefined): number | undefined {
  return shape && shape.every((d) => Number.isFinite(d)) ? shape.reduce((x, y) => x * y, 1) : undefined;
}

function spatialOf(shape: number[] | undefined): Spatial | undefined {
  return shape && shape.length === 3 ? { h: shape[0], w: shape[1] } : undefined;
}

function px(sp: Spatial | undefined): number | undefined {
  return sp ? sp.h * sp.w : undefined;
}

/** Cost of one module given which parameters are trainable and whether its input carries a gradient. */
export function moduleWork(
  kind: ModelSummary['kind'],
  m: ModuleInfo,
  inputs: Array<number[] | undefined>,
  inputNeedsGrad: boolean,
  prefixes: readonly string[],
): ModuleWork {
  const counter = new WorkCounter(kind, m, inputs, inputNeedsGrad);
  counter.layers(prefixes);
  counter.moduleLevel();
  const { work, needs, trainable, trainableTensors, unknown } = counter;
  return { work, outNeedsGrad: needs, trainable, trainableTensors, unknown };
}

/** Walks one module's layers, then its parameter-free work, adding to `work` as it goes. */
class WorkCounter {
  readonly work: LayerWork = { forward: 0, inputGradient: 0, weightGradient: 0, passes: 0, calls: 0, activationElements: 0 };
  trainable = 0;
  trainableTensors = 0;
  unknown: string | undefined;
  private readonly out: Spatial | undefined;
  private readonly firstIn: Spatial | undefined;
  private readonly outElements: number | undefined;
  /** Pixels of the last weighted layer: the batch norm after it runs at that size. */
  private lastPixels: number | undefined;

  /** `needs`: whether the activation flowing through the module carries a gradient. */
  constructor(
    private readonly kind: ModelSummary['kind'],
    private readonly m: ModuleInfo,
    private readonly inputs: Array<number[] | undefined>,
    public needs: boolean,
  ) {
    this.out = spatialOf(m.outShape);
    this.firstIn = spatialOf(inputs[0]);
    this.outElements = elements(m.outShape);
    this.lastPixels = px(this.out);
  }

  /** Element-wise op over `e` elements per image: forward always, backward when a gradient flows through it. */
  private elementwise(e: number, passes: Pair, calls: Pair, backward: boolean, keep = 0): void {
    this.work.passes += e * (passes[0] + (backward ? passes[1] : 0));
    this.work.calls += calls[0] + (backward ? calls[1] : 0);
    if (backward) this.work.activationElements += keep;
  }

  layers(prefixes: readonly string[]): void {
    let position = 0;
    for (const layer of this.m.layers) {
      const open = layer.params.filter((p) => !isParamFrozen(p.name, prefixes));
      const layerTrainable = open.length > 0;
      this.trainable += open.reduce((a, p) => a + p.count, 0);
      this.trainableTensors += open.length;
      const weight = layer.params.find((p) => WEIGHT_NAMES.has(lastPart(p.name)));
      if (weight && (CONV_TYPES.test(layer.type) || DENSE_TYPES.test(layer.type))) this.weighted(layer, weight, position, layerTrainable);
      else if (NORM_TYPES.test(layer.type)) this.batchNorm(layer, layerTrainable);
      position++;
    }
  }

  /** A convolution or dense layer: 2·weights·pixels FLOPs per pass, plus its bias. */
  private weighted(layer: LayerInfo, weight: LayerInfo['params'][number], position: number, layerTrainable: boolean): void {
    const pixels = this.pixelsFor(layer, position);
    if (pixels === undefined) {
      this.unknown = unknownSizeReason(this.kind, this.m);
      return;
    }
    const { work } = this;
    this.lastPixels = pixels;
    const flops = 2 * weight.count * pixels;
    const { inChannels, outChannels } = channelsOf(layer.type, weight.shape);
    const dense = DENSE_TYPES.test(layer.type);
    work.forward += flops;
    work.calls += 1;
    if (layerTrainable) {
      work.weightGradient += flops;
      work.calls += (dense ? CALLS.dense : CALLS.conv)[1] - 1;
      // Kept for the weight gradient: the layer's input (≈ input channels at the pixels it reads).
      work.activationElements += inChannels * (position === 0 && this.firstIn ? (px(this.firstIn) ?? pixels) : pixels);
    }
    if (this.needs) {
      work.inputGradient += flops;
      work.calls += 1;
    }
    if (layer.params.some((p) => lastPart(p.name) === 'bias'))
      this.elementwise(outChannels * pixels, PASSES.bias, CALLS.bias, layerTrainable);
    this.needs = this.needs || layerTrainable;
  }

  private batchNorm(layer: LayerInfo, layerTrainable: boolean): void {
    const c = layer.params[0]?.shape[0] ?? 0;
    const standalone = this.m.type === 'BatchNorm2d' || this.m.type === 'BatchNorm' || this.kind === 'tfjs';
    const e = c * (standalone ? (px(this.out) ?? 1) : (this.lastPixels ?? 1));
    if (layerTrainable) this.elementwise(e, PASSES.batchNormTrain, CALLS.batchNormTrain, true, e);
    else this.elementwise(e, PASSES.batchNormFrozen, CALLS.batchNormFrozen, this.needs);
    this.needs = this.needs || layerTrainable;
    // YOLOv5 blocks follow each batch norm with an activation (SiLU).
    if (!standalone) this.elementwise(e, PASSES.silu, CALLS.silu, this.needs, e);
  }

  /** Pixels at which a layer with weights runs (its output positions; input ones for transposed convs). */
  private pixelsFor(layer: LayerInfo, position: number): number | undefined {
    const { m, firstIn, out } = this;
    if (DENSE_TYPES.test(layer.type)) return 1;
    if (/transpose/i.test(layer.type)) return px(firstIn);
    if (m.type === 'Detect') {
      const i = Number(/\.m\.(\d+)$/.exec(layer.name)?.[1] ?? 0);
      return px(spatialOf(this.inputs[i]));
    }
    if (m.type === 'Classify' && firstIn) {
      const [, , k = 1, st = 1] = (m.args ?? []) as number[];
      const size = (v: number): number => Math.floor((v + 2 * Math.floor(k / 2) - k) / st) + 1;
      return size(firstIn.h) * size(firstIn.w);
    }
    if (m.type === 'GhostBottleneck' && /\.conv\.0\./.test(layer.name) && firstIn) return px(firstIn);
    if (m.type === 'CrossConv' && position === 0 && firstIn && out) return firstIn.h * out.w;
    return px(out);
  }

  /** Module-level element-wise work without parameters. */
  moduleLevel(): void {
    const { m, outElements, needs } = this;
    const inElements = elements(this.inputs[0]);
    switch (m.type) {
      case 'MaxPool':
      case 'AvgPool':
        if (inElements !== undefined) this.elementwise(inElements, PASSES.pool, CALLS.pool, needs, inElements + (outElements ?? 0));
        break;
      case 'SPP':
      case 'SPPF':
        // Pools over the c/2-channel middle, then a concatenation: about 1.5 outputs' worth.
        if (outElements !== undefined) this.elementwise(1.5 * outElements, PASSES.pool, [3, 3], needs, 1.5 * outElements);
        break;
      case 'Upsample':
      case 'Concat':
      case 'Contract':
      case 'Expand':
      case 'GlobalAvgPool':
      case 'Dropout':
        this.elementwise(Math.max(outElements ?? 0, inElements ?? 0), PASSES.copy, CALLS.copy, needs);
        break;
      case 'Dense': {
        const act = String(m.args?.[2] ?? 'linear').toLowerCase();
        if (act !== 'linear' && act !== 'none' && outElements !== undefined) {
          const silu = act === 'silu' || act === 'swish';
          this.elementwise(outElements, silu ? PASSES.silu : PASSES.relu, silu ? CALLS.silu : CALLS.relu, needs, outElements);
        }
        break;
      }
      default:
        if (m.params === 0 && !/flatten|reshape/i.test(m.type)) this.elementwise(outElements ?? 0, PASSES.copy, CALLS.copy, needs);
    }
  }
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

function unknownSizeReason(kind: ModelSummary['kind'], m: ModuleInfo): string {
  return kind === 'tfjs'
    ? `the output size of ${m.name} is unknown: model.json summaries carry no layer shapes`
    : `the output size of ${m.name} is unknown: set train.imgsz`;
}
