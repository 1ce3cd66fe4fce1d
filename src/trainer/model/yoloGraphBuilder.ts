// The TensorFlow.js side of YOLOv5's building blocks (models/common.py) in NHWC: Conv (conv + batch
// norm + SiLU), Bottleneck, CrossConv, GhostConv, DWConv, GhostBottleneck, with PyTorch's padding
// and every layer created once per summary name, so applying a module again (the frozen-prefix
// cache's head graph) reuses its weights. yoloModuleGraph.ts assembles modules from these blocks.
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from './frozenBatchNorm';
import { conv2d } from './lazyGradConv2d';
import { toTfName } from './layerNames';
import { ModelBuildError } from './modelBuildError';

type Layer = tf.layers.Layer;
type Sym = tf.SymbolicTensor;
export type Pair = [number, number];

export const ACTIVATION: Record<string, string> = {
  silu: 'swish',
  swish: 'swish',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  softmax: 'linear',
  linear: 'linear',
  none: 'linear',
};

export function pair(k: unknown, def: number): Pair {
  if (Array.isArray(k)) return [Number(k[0]), Number(k[1] ?? k[0])];
  return typeof k === 'number' ? [k, k] : [def, def];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function optNum(v: unknown, def: number): number {
  return typeof v === 'number' ? v : def;
}

/** Builds modules into tfjs layers; layers are created once per name and reused on re-application. */
export class YoloGraphBuilder {
  readonly layers = new Map<string, Layer>();
  /** Our layer name → tfjs layer, for the layers that hold parameters. */
  readonly paramLayers = new Map<string, Layer>();
  private seedCounter = 0;

  constructor(private readonly seed: number) {}

  /** A fresh initializer seed, derived from the run's seed so rebuilding gives the same weights. */
  nextSeed(): number {
    return this.seed * 1000 + ++this.seedCounter;
  }

  /** The layer named `name`, created by `make` the first time: re-application shares it. */
  layer<T extends Layer>(name: string, make: (tfName: string) => T, hasParams = false): T {
    let l = this.layers.get(name) as T | undefined;
    if (!l) {
      l = make(toTfName(name));
      this.layers.set(name, l);
      if (hasParams) this.paramLayers.set(name, l);
    }
    return l;
  }

  apply(l: Layer, x: Sym | Sym[]): Sym {
    return l.apply(x) as Sym;
  }

  /** Padding that reproduces PyTorch's output size: 'same' when it agrees, else explicit zero padding. */
  padded(name: string, x: Sym, k: Pair, s: Pair, p: Pair, d = 1): { x: Sym; padding: 'same' | 'valid' } {
    const [h, w] = [x.shape[1], x.shape[2]];
    if (p[0] === 0 && p[1] === 0) return { x, padding: 'valid' };
    const torch = (n: number, i: 0 | 1): number => Math.floor((n + 2 * p[i] - d * (k[i] - 1) - 1) / s[i]) + 1;
    if (h != null && w != null && torch(h, 0) === Math.ceil(h / s[0]) && torch(w, 1) === Math.ceil(w / s[1])) return { x, padding: 'same' };
    const padLayer = this.layer(`${name}.pad`, (n) =>
      tf.layers.zeroPadding2d({
        padding: [
          [p[0], p[0]],
          [p[1], p[1]],
        ],
        name: n,
      }),
    );
    return { x: this.apply(padLayer, x), padding: 'valid' };
  }

  /** nn.Conv2d (groups 1, or depthwise when groups = input channels). */
  conv2d(name: string, x: Sym, c2: number, k: Pair, s: Pair, p: Pair, g: number, d: number, bias: boolean): Sym {
    const c1 = x.shape[3]!;
    const { x: xp, padding } = this.padded(name, x, k, s, p, d);
    if (g === 1) {
      const l = this.layer(
        name,
        (n) =>
          conv2d({
            filters: c2,
            kernelSize: k,
            strides: s,
            padding,
            dilationRate: d,
            useBias: bias,
            name: n,
            kernelInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
          }),
        true,
      );
      return this.apply(l, xp);
    }
    if (g === c1 && c2 % c1 === 0) {
      const l = this.layer(
        name,
        (n) =>
          tf.layers.depthwiseConv2d({
            kernelSize: k,
            depthMultiplier: c2 / c1,
            strides: s,
            padding,
            dilationRate: d,
            useBias: bias,
            name: n,
            depthwiseInitializer: tf.initializers.heNormal({ seed: this.nextSeed() }),
          }),
        true,
      );
      return this.apply(l, xp);
    }
    throw new ModelBuildError(
      `${name}: grouped convolution (groups ${g}, ${c1} → ${c2} channels) is not available in TensorFlow.js; use groups 1 or groups = input channels`,
    );
  }

  bn(name: string, x: Sym): Sym {
    // PyTorch BatchNorm2d momentum 0.03 (YOLOv5) = Keras momentum 0.97; YOLOv5 eps 1e-3.
    return this.apply(
      this.layer(name, (n) => batchNorm({ axis: -1, momentum: 0.97, epsilon: 1e-3, name: n }), true),
      x,
    );
  }

  act(name: string, x: Sym, activation: string): Sym {
    if (activation === 'linear') return x;
    return this.apply(
      this.layer(name, (n) => tf.layers.activation({ activation: activation as 'relu', name: n })),
      x,
    );
  }

  /** YOLOv5 Conv: Conv2d(bias=False) + BatchNorm2d + SiLU (or no activation when act=False). */
  conv(
    p: string,
    x: Sym,
    c2: number,
    k: Pair | number = 1,
    s: Pair | number = 1,
    pad: Pair | null = null,
    g = 1,
    d = 1,
    act: string | false = 'swish',
  ): Sym {
    const kk = pair(k, 1);
    const ss = pair(s, 1);
    const pp: Pair = pad ?? [Math.floor((d * (kk[0] - 1) + 1) / 2), Math.floor((d * (kk[1] - 1) + 1) / 2)];
    let y = this.conv2d(`${p}.conv`, x, c2, kk, ss, pp, g, d, false);
    y = this.bn(`${p}.bn`, y);
    return act ? this.act(`${p}.act`, y, act) : y;
  }

  add(name: string, a: Sym, b: Sym): Sym {
    return this.apply(
      this.layer(name, (n) => tf.layers.add({ name: n })),
      [a, b],
    );
  }

  concat(name: string, xs: Sym[]): Sym {
    return this.apply(
      this.layer(name, (n) => tf.layers.concatenate({ axis: -1, name: n })),
      xs,
    );
  }

  maxPool(name: string, x: Sym, k: number, s: number, p: number): Sym {
    const { x: xp, padding } = this.padded(name, x, [k, k], [s, s], [p, p]);
    return this.apply(
      this.layer(name, (n) => tf.layers.maxPooling2d({ poolSize: k, strides: s, padding, name: n })),
      xp,
    );
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
    const sc =
      s === 2
        ? this.conv(`${p}.shortcut.1`, this.dwConv(`${p}.shortcut.0`, x, x.shape[3]!, k, s, 1, false), c2, 1, 1, null, 1, 1, false)
        : x;
    return this.add(`${p}.add`, y, sc);
  }
}
