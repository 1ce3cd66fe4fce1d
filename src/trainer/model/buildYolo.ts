// A tfjs layers model from a YOLOv5-style ModelSummary (src/shared/model/yolo.ts): the same blocks as
// YOLOv5's models/common.py, in NHWC, with every parameterised layer named after the summary's layer
// (`model.3.cv1.conv` → tfjs `model__3__cv1__conv`) so freeze rules and weight files line up. Layers
// are kept by name, so the modules after a frozen prefix can be re-applied to a new input (the
// frozen-prefix cache trains only that "head" graph, sharing the same layer objects).
import * as tf from '@tensorflow/tfjs';
import { moduleInputIndices } from '../../shared/cost/prefixCache';
import type { ModelSummary, ModuleInfo } from '../../shared/model/types';
import { batchNorm } from './frozenBatchNorm';
import { conv2d } from './lazyGradConv2d';
import { toTfName } from './layerNames';
import { UserError } from '../../shared/userError';

type Layer = tf.layers.Layer;
type Sym = tf.SymbolicTensor;
type Pair = [number, number];

/** A model the trainer cannot build, with the module to change. */
export class ModelBuildError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelBuildError';
  }
}

const ACTIVATION: Record<string, string> = { silu: 'swish', swish: 'swish', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', tanh: 'tanh', elu: 'elu', selu: 'selu', gelu: 'gelu', softmax: 'linear', linear: 'linear', none: 'linear' };

function pair(k: unknown, def: number): Pair {
  if (Array.isArray(k)) return [Number(k[0]), Number(k[1] ?? k[0])];
  return typeof k === 'number' ? [k, k] : [def, def];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function optNum(v: unknown, def: number): number {
  return typeof v === 'number' ? v : def;
}

/** Builds modules into tfjs layers; layers are created once per name and reused on re-application. */
export class YoloGraphBuilder {
  readonly layers = new Map<string, Layer>();
  /** Our layer name → tfjs layer, for the layers that hold parameters. */
  readonly paramLayers = new Map<string, Layer>();
  private seedCounter = 0;

  constructor(private readonly seed: number) {}

  private nextSeed(): number {
    return this.seed * 1000 + ++this.seedCounter;
  }

  private layer<T extends Layer>(name: string, make: (tfName: string) => T, hasParams = false): T {
    let l = this.layers.get(name) as T | undefined;
    if (!l) {
      l = make(toTfName(name));
      this.layers.set(name, l);
      if (hasParams) this.paramLayers.set(name, l);
    }
    return l;
  }

  private apply(l: Layer, x: Sym | Sym[]): Sym {
    return l.apply(x) as Sym;
  }

  /** Padding that reproduces PyTorch's output size: 'same' when it agrees, else explicit zero padding. */
  private padded(name: string, x: Sym, k: Pair, s: Pair, p: Pair, d = 1): { x: Sym; padding: 'same' | 'valid' } {
    const [h, w] = [x.shape[1], x.shape[2]];
    if (p[0] === 0 && p[1] === 0) return { x, padding: 'valid' };
    const torch = (n: number, i: 0 | 1): number => Math.floor((n + 2 * p[i] - d * (k[i] - 1) - 1) / s[i]) + 1;
    if (h != null && w != null && torch(h, 0) === Math.ceil(h / s[0]) && torch(w, 1) === Math.ceil(w / s[1])) return { x, padding: 'same' };
    const padLayer = this.layer(`${name}.pad`, (n) => tf.layers.zeroPadding2d({ padding: [[p[0], p[0]], [p[1], p[1]]], name: n }));
    return { x: this.apply(padLayer, x), padding: 'valid' };
  }

  /** nn.Conv2d (groups 1, or depthwise when groups = input channels). */
  conv2d(name: string, x: Sym, c2: number, k: Pair, s: Pair, p: Pair, g: number, d: number, bias: boolean): Sym {
    const c1 = x.shape[3]!;
    const { x: xp, padding } = this.padded(name, x, k, s, p, d);
    if (g === 1) {
      const l = this.layer(name, (n) => conv2d({
        filters: c2, kernelSize: k, strides: s, padding, dilationRate: d, useBias: bias, name: n,
        kernelInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
      }), true);
      return this.apply(l, xp);
    }
    if (g === c1 && c2 % c1 === 0) {
      const l = this.layer(name, (n) => tf.layers.depthwiseConv2d({
        kernelSize: k, depthMultiplier: c2 / c1, strides: s, padding, dilationRate: d, useBias: bias, name: n,
        depthwiseInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
      }), true);
      return this.apply(l, xp);
    }
    throw new ModelBuildError(`${name}: grouped convolution (groups ${g}, ${c1} → ${c2} channels) is not available in TensorFlow.js; use groups 1 or groups = input channels`);
  }

  bn(name: string, x: Sym): Sym {
    // PyTorch BatchNorm2d momentum 0.03 (YOLOv5) = Keras momentum 0.97; YOLOv5 eps 1e-3.
    return this.apply(this.layer(name, (n) => batchNorm({ axis: -1, momentum: 0.97, epsilon: 1e-3, name: n }), true), x);
  }

  act(name: string, x: Sym, activation: string): Sym {
    if (activation === 'linear') return x;
    return this.apply(this.layer(name, (n) => tf.layers.activation({ activation: activation as 'relu', name: n })), x);
  }

  /** YOLOv5 Conv: Conv2d(bias=False) + BatchNorm2d + SiLU (or no activation when act=False). */
  conv(p: string, x: Sym, c2: number, k: Pair | number = 1, s: Pair | number = 1, pad: Pair | null = null, g = 1, d = 1, act: string | false = 'swish'): Sym {
    const kk = pair(k, 1);
    const ss = pair(s, 1);
    const pp: Pair = pad ?? [Math.floor((d * (kk[0] - 1) + 1) / 2), Math.floor((d * (kk[1] - 1) + 1) / 2)];
    let y = this.conv2d(`${p}.conv`, x, c2, kk, ss, pp, g, d, false);
    y = this.bn(`${p}.bn`, y);
    return act ? this.act(`${p}.act`, y, act) : y;
  }

  add(name: string, a: Sym, b: Sym): Sym {
    return this.apply(this.layer(name, (n) => tf.layers.add({ name: n })), [a, b]);
  }

  concat(name: string, xs: Sym[]): Sym {
    return this.apply(this.layer(name, (n) => tf.layers.concatenate({ axis: -1, name: n })), xs);
  }

  maxPool(name: string, x: Sym, k: number, s: number, p: number): Sym {
    const { x: xp, padding } = this.padded(name, x, [k, k], [s, s], [p, p]);
    return this.apply(this.layer(name, (n) => tf.layers.maxPooling2d({ poolSize: k, strides: s, padding, name: n })), xp);
  }

  bottleneck(p: string, x: Sym, c2: number, shortcut: boolean, g: number, e: number): Sym {
    const c1 = x.shape[3]!;
    const c_ = Math.trunc(c2 * e);
    const y = this.conv(`${p}.cv2`, this.conv(`${p}.cv1`, x, c_, 1, 1), c2, 3, 1, null, g);
    return shortcut && c1 === c2 ? this.add(`${p}.add`, x, y) : y;
  }

  crossConv(p: string, x: Sym, c2: number, k: number, s: number, g: number, e: number, shortcut: boolean): Sym {
    const c1 = x.shape[3]!;
    const c_ = Math.trunc(c2 * e);
    const y = this.conv(`${p}.cv2`, this.conv(`${p}.cv1`, x, c_, [1, k], [1, s]), c2, [k, 1], [s, 1], null, g);
    return shortcut && c1 === c2 ? this.add(`${p}.add`, x, y) : y;
  }

  ghostConv(p: string, x: Sym, c2: number, k: number, s: number, g: number, act: string | false = 'swish'): Sym {
    const c_ = Math.trunc(c2 / 2);
    const y = this.conv(`${p}.cv1`, x, c_, k, s, null, g, 1, act);
    return this.concat(`${p}.cat`, [y, this.conv(`${p}.cv2`, y, c_, 5, 1, null, c_, 1, act)]);
  }

  dwConv(p: string, x: Sym, c2: number, k: number, s: number, d = 1, act: string | false = 'swish'): Sym {
    return this.conv(p, x, c2, k, s, null, gcd(x.shape[3]!, c2), d, act);
  }

  ghostBottleneck(p: string, x: Sym, c2: number, k: number, s: number): Sym {
    const c_ = Math.trunc(c2 / 2);
    let y = this.ghostConv(`${p}.conv.0`, x, c_, 1, 1, 1);
    if (s === 2) y = this.dwConv(`${p}.conv.1`, y, c_, k, s, 1, false);
    y = this.ghostConv(`${p}.conv.2`, y, c2, 1, 1, 1, false);
    const sc = s === 2 ? this.conv(`${p}.shortcut.1`, this.dwConv(`${p}.shortcut.0`, x, x.shape[3]!, k, s, 1, false), c2, 1, 1, null, 1, 1, false) : x;
    return this.add(`${p}.add`, y, sc);
  }

  /** Builds one module from its inputs; `p` is the prefix for repeated copies (`model.4.0`). */
  module(m: ModuleInfo, inputs: Sym[], nc: number): Sym {
    const a = m.args ?? [];
    const p = m.name;
    const single = inputs[0];
    const repeats = m.repeats ?? 1;
    const repeated = (build: (prefix: string, x: Sym) => Sym): Sym => {
      if (repeats === 1 || ['C3', 'C3x', 'C3Ghost', 'BottleneckCSP'].includes(m.type)) return build(p, single);
      let x = single;
      for (let i = 0; i < repeats; i++) x = build(`${p}.${i}`, x);
      return x;
    };
    const c2 = Number(a[1]);
    switch (m.type) {
      case 'Conv': {
        const act = a[7] === false ? false : 'swish';
        const pad = a[4] == null ? null : pair(a[4], 0);
        return repeated((q, x) => this.conv(q, x, c2, pair(a[2], 1), pair(a[3], 1), pad, optNum(a[5], 1), optNum(a[6], 1), act));
      }
      case 'DWConv':
        return repeated((q, x) => this.dwConv(q, x, c2, optNum(a[2], 1), optNum(a[3], 1), optNum(a[4], 1), a[5] === false ? false : 'swish'));
      case 'GhostConv':
        return repeated((q, x) => this.ghostConv(q, x, c2, optNum(a[2], 1), optNum(a[3], 1), optNum(a[4], 1), a[5] === false ? false : 'swish'));
      case 'CrossConv':
        return repeated((q, x) => this.crossConv(q, x, c2, optNum(a[2], 3), optNum(a[3], 1), optNum(a[4], 1), optNum(a[5], 1), a[6] === true));
      case 'Bottleneck':
        return repeated((q, x) => this.bottleneck(q, x, c2, a[2] !== false, optNum(a[3], 1), optNum(a[4], 0.5)));
      case 'GhostBottleneck':
        return repeated((q, x) => this.ghostBottleneck(q, x, c2, optNum(a[2], 3), optNum(a[3], 1)));
      case 'C3':
      case 'C3x':
      case 'C3Ghost': {
        const n = Number(a[2]);
        const shortcut = a[3] !== false;
        const g = optNum(a[4], 1);
        const c_ = Math.trunc(c2 * optNum(a[5], 0.5));
        let y = this.conv(`${p}.cv1`, single, c_, 1, 1);
        for (let i = 0; i < n; i++) {
          const q = `${p}.m.${i}`;
          if (m.type === 'C3') y = this.bottleneck(q, y, c_, shortcut, g, 1.0);
          else if (m.type === 'C3x') y = this.crossConv(q, y, c_, 3, 1, g, 1.0, shortcut);
          else y = this.ghostBottleneck(q, y, c_, 3, 1);
        }
        const y2 = this.conv(`${p}.cv2`, single, c_, 1, 1);
        return this.conv(`${p}.cv3`, this.concat(`${p}.cat`, [y, y2]), c2, 1, 1);
      }
      case 'BottleneckCSP': {
        const n = Number(a[2]);
        const c_ = Math.trunc(c2 * optNum(a[5], 0.5));
        let y = this.conv(`${p}.cv1`, single, c_, 1, 1);
        for (let i = 0; i < n; i++) y = this.bottleneck(`${p}.m.${i}`, y, c_, a[3] !== false, optNum(a[4], 1), 1.0);
        const y1 = this.conv2d(`${p}.cv3`, y, c_, [1, 1], [1, 1], [0, 0], 1, 1, false);
        const y2 = this.conv2d(`${p}.cv2`, single, c_, [1, 1], [1, 1], [0, 0], 1, 1, false);
        const z = this.act(`${p}.act`, this.bn(`${p}.bn`, this.concat(`${p}.cat`, [y1, y2])), 'swish');
        return this.conv(`${p}.cv4`, z, c2, 1, 1);
      }
      case 'SPP': {
        const ks = Array.isArray(a[2]) ? (a[2] as number[]) : [5, 9, 13];
        const c_ = Math.trunc(Number(a[0]) / 2);
        const x = this.conv(`${p}.cv1`, single, c_, 1, 1);
        const pools = ks.map((k) => this.maxPool(`${p}.m.${k}`, x, k, 1, Math.floor(k / 2)));
        return this.conv(`${p}.cv2`, this.concat(`${p}.cat`, [x, ...pools]), c2, 1, 1);
      }
      case 'SPPF': {
        const k = optNum(a[2], 5);
        const c_ = Math.trunc(Number(a[0]) / 2);
        const x = this.conv(`${p}.cv1`, single, c_, 1, 1);
        const y1 = this.maxPool(`${p}.m`, x, k, 1, Math.floor(k / 2));
        const y2 = this.apply(this.layers.get(`${p}.m`)!, y1);
        const y3 = this.apply(this.layers.get(`${p}.m`)!, y2);
        return this.conv(`${p}.cv2`, this.concat(`${p}.cat`, [x, y1, y2, y3]), c2, 1, 1);
      }
      case 'Concat':
        return this.concat(`${p}.cat`, inputs);
      case 'Upsample': {
        const scale = a[1];
        if (typeof scale !== 'number' || !Number.isInteger(scale)) {
          throw new ModelBuildError(`${p}: Upsample needs an integer scale factor ([None, 2, "nearest"]) to train in TensorFlow.js`);
        }
        const interpolation = a[2] === 'bilinear' ? 'bilinear' : 'nearest';
        return this.apply(this.layer(`${p}.up`, (n) => tf.layers.upSampling2d({ size: [scale, scale], interpolation, name: n })), single);
      }
      case 'MaxPool':
        return repeated((q, x) => this.maxPool(q, x, Number(a[0]), optNum(a[1], Number(a[0])), optNum(a[2], 0)));
      case 'AvgPool':
        return repeated((q, x) => {
          const k = Number(a[0]);
          const s = optNum(a[1], k);
          const pd = optNum(a[2], 0);
          const { x: xp, padding } = this.padded(q, x, [k, k], [s, s], [pd, pd]);
          return this.apply(this.layer(q, (n) => tf.layers.averagePooling2d({ poolSize: k, strides: s, padding, name: n })), xp);
        });
      case 'GlobalAvgPool':
        return this.apply(this.layer(`${p}.pool`, (n) => tf.layers.globalAveragePooling2d({ name: n })), single);
      case 'Flatten':
        return single.shape.length === 2 ? single : this.apply(this.layer(`${p}.flat`, (n) => tf.layers.flatten({ name: n })), single);
      case 'Dense':
        return repeated((q, x) => {
          const act = ACTIVATION[String(a[2] ?? 'linear').toLowerCase()] ?? 'linear';
          const y = this.apply(this.layer(q, (n) => tf.layers.dense({
            units: Number(a[1]), name: n, kernelInitializer: tf.initializers.glorotUniform({ seed: this.nextSeed() }),
          }), true), x);
          return this.act(`${q}.act`, y, act);
        });
      case 'Dropout':
        return this.apply(this.layer(`${p}.drop`, (n) => tf.layers.dropout({ rate: Number(a[0]), name: n })), single);
      case 'BatchNorm':
      case 'BatchNorm2d':
        return repeated((q, x) => this.bn(q, x));
      case 'Classify': {
        // Classify(c1, c2, k, s): Conv(c1, 1280, k, s) → global average pool → Dropout(0) → Linear(1280, c2)
        const x = this.conv(`${p}.conv`, single, 1280, optNum(a[2], 1), optNum(a[3], 1));
        const pooled = this.apply(this.layer(`${p}.pool`, (n) => tf.layers.globalAveragePooling2d({ name: n })), x);
        return this.apply(this.layer(`${p}.linear`, (n) => tf.layers.dense({
          units: Number(a[1] ?? nc), name: n, kernelInitializer: tf.initializers.glorotUniform({ seed: this.nextSeed() }),
        }), true), pooled);
      }
      case 'Detect':
        throw new ModelBuildError(`${p} is a Detect head (object detection): the trainer trains image classifiers; end the model with Classify [nc] or Dense [nc]`);
      default:
        throw new ModelBuildError(`${p}: module ${m.type} cannot be trained in TensorFlow.js yet; supported: Conv, DWConv, GhostConv, CrossConv, Bottleneck, GhostBottleneck, C3, C3x, C3Ghost, BottleneckCSP, SPP, SPPF, Concat, Upsample, MaxPool, AvgPool, GlobalAvgPool, Flatten, Dense, Dropout, BatchNorm, Classify`);
    }
  }
}

export interface BuiltGraph {
  model: tf.LayersModel;
  builder: YoloGraphBuilder;
  /** Output of every module in the full model (for re-application and cache boundaries). */
  outputs: Sym[];
}

/** Builds modules `start…` on top of `given` (module index → tensor; -1 = image input). */
export function buildModules(builder: YoloGraphBuilder, summary: ModelSummary, given: Map<number, Sym>, start: number, nc: number): Sym[] {
  const outs: Sym[] = [];
  const get = (i: number): Sym => {
    const t = given.get(i);
    if (!t) throw new ModelBuildError(`module ${i} output is not available`);
    return t;
  };
  for (const m of summary.modules.slice(start)) {
    const y = builder.module(m, moduleInputIndices(m).map(get), nc);
    given.set(m.index, y);
    outs.push(y);
  }
  return outs;
}

/** The full model: image input [h, w, c] → logits [nc]. */
export function buildYoloModel(summary: ModelSummary, inputShape: [number, number, number], nc: number, seed: number): BuiltGraph {
  const builder = new YoloGraphBuilder(seed);
  const input = tf.input({ shape: inputShape, name: 'images' });
  const given = new Map<number, Sym>([[-1, input]]);
  const outputs = buildModules(builder, summary, given, 0, nc);
  const last = outputs[outputs.length - 1];
  const lastModule = summary.modules[summary.modules.length - 1];
  if (last.shape.length !== 2 || last.shape[1] !== nc) {
    throw new ModelBuildError(`the last module ${lastModule.name} (${lastModule.type}) outputs [${last.shape.slice(1).join(', ')}]; `
      + `a classifier for ${nc} classes must end in Classify [nc] or Dense [nc] (after Flatten or GlobalAvgPool)`);
  }
  const model = tf.model({ inputs: input, outputs: last, name: 'transfer_lab' });
  return { model, builder, outputs };
}
