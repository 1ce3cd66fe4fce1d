// The conv family of YOLOv5 modules (Conv, C3, SPPF, Focus…): parse_model scales their output
// channels by width_multiple and passes [c1, c2, ...args] (C3-family: [c1, c2, n, ...args]). One
// builder per type reads the constructor's optional arguments, records its layers and returns the
// output shape; they live together because they share the channel scaling and the spatial arithmetic.
import { makeDivisible, num, optInt, optIntOrNull, optNum } from './yoloArgs';
import type { BuiltRow, RowContext } from './yoloRowContext';
import { singleInput } from './yoloRowContext';
import { autopad, convSize, repeat, spatial } from './yoloShape';
import type { Shape } from './yoloShape';
import * as T from './torchLayers';
import { ArgError } from './torchLayers';
import type { LayerCollector } from './torchLayers';

/** C3-family modules take the repeat count as an argument instead of being repeated. */
const REPEAT_INSIDE = new Set(['C3', 'C3x', 'C3Ghost', 'BottleneckCSP']);

/** One conv-family module (or one copy of a repeated one) being built. */
interface ConvCall {
  L: LayerCollector;
  /** Parameter-name prefix: `model.i`, or `model.i.k` for copy k. */
  p: string;
  type: string;
  c1: number;
  c2: number;
  /** Repeats inside a C3-family module. */
  n: number;
  /** YAML args after the first (output channels). */
  rest: unknown[];
  x: Shape;
  /** The output with c2 channels and a new spatial size. */
  out(h: number | undefined, w: number | undefined): Shape;
  /** The output with c2 channels and the input's spatial size. */
  same(): Shape;
}

/** Builders keyed by canonical type; each comment is the YOLOv5 constructor's signature. */
const CONV_BUILDERS: Record<string, (a: ConvCall) => Shape> = {
  Conv: ({ L, p, c1, c2, rest, x, out }) => {
    // Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)
    const k = optInt(rest, 0, 1, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    const pad = optIntOrNull(rest, 2, 'padding');
    const g = optInt(rest, 3, 1, 'groups');
    const d = optInt(rest, 4, 1, 'dilation');
    T.conv(L, p, c1, c2, k, g);
    const pp = autopad(k, pad, d);
    return out(convSize(x.h, k, s, pp, d), convSize(x.w, k, s, pp, d));
  },
  DWConv: ({ L, p, c1, c2, rest, x, out }) => {
    // DWConv(c1, c2, k=1, s=1, d=1, act=True)
    const k = optInt(rest, 0, 1, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    const d = optInt(rest, 2, 1, 'dilation');
    T.dwConv(L, p, c1, c2, k);
    const pp = autopad(k, null, d);
    return out(convSize(x.h, k, s, pp, d), convSize(x.w, k, s, pp, d));
  },
  GhostConv: ({ L, p, c1, c2, rest, x, out }) => {
    // GhostConv(c1, c2, k=1, s=1, g=1, act=True)
    const k = optInt(rest, 0, 1, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    const g = optInt(rest, 2, 1, 'groups');
    T.ghostConv(L, p, c1, c2, k, g);
    const pp = autopad(k, null);
    return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
  },
  Focus: ({ L, p, c1, c2, rest, x, out }) => {
    // Focus(c1, c2, k=1, s=1, p=None, g=1, act=True): space-to-depth halves H and W first.
    const k = optInt(rest, 0, 1, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    const pad = optIntOrNull(rest, 2, 'padding');
    const g = optInt(rest, 3, 1, 'groups');
    T.focus(L, p, c1, c2, k, g);
    const pp = autopad(k, pad);
    const h = x.h === undefined ? undefined : Math.ceil(x.h / 2);
    const w = x.w === undefined ? undefined : Math.ceil(x.w / 2);
    return out(convSize(h, k, s, pp), convSize(w, k, s, pp));
  },
  CrossConv: ({ L, p, c1, c2, rest, x, out }) => {
    // CrossConv(c1, c2, k=3, s=1, g=1, e=1.0, shortcut=False)
    const k = optInt(rest, 0, 3, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    const g = optInt(rest, 2, 1, 'groups');
    const e = optNum(rest, 3, 1.0, 'expansion');
    T.crossConv(L, p, c1, c2, k, g, e);
    const pp = autopad(k, null);
    return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
  },
  Bottleneck: ({ L, p, c1, c2, rest, same }) => {
    // Bottleneck(c1, c2, shortcut=True, g=1, e=0.5)
    const g = optInt(rest, 1, 1, 'groups');
    const e = optNum(rest, 2, 0.5, 'expansion');
    T.bottleneck(L, p, c1, c2, g, e);
    return same();
  },
  GhostBottleneck: ({ L, p, c1, c2, rest, x, out, same }) => {
    // GhostBottleneck(c1, c2, k=3, s=1)
    const k = optInt(rest, 0, 3, 'kernel size');
    const s = optInt(rest, 1, 1, 'stride');
    if (s !== 1 && s !== 2) throw new ArgError(`GhostBottleneck stride must be 1 or 2, got ${s}`);
    T.ghostBottleneck(L, p, c1, c2, k, s);
    if (s === 1) return same();
    const pp = autopad(k, null);
    return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
  },
  SPP: ({ L, p, c1, c2, rest, same }) => {
    // SPP(c1, c2, k=(5, 9, 13))
    const ks = rest[0] === undefined ? [5, 9, 13] : rest[0];
    if (!Array.isArray(ks) || !ks.length || !ks.every((v) => Number.isInteger(v) && v > 0 && v % 2 === 1)) {
      throw new ArgError('SPP kernel sizes must be a list of odd numbers, e.g. [5, 9, 13]');
    }
    T.spp(L, p, c1, c2, ks.length);
    return same();
  },
  SPPF: ({ L, p, c1, c2, rest, same }) => {
    // SPPF(c1, c2, k=5)
    const k = optInt(rest, 0, 5, 'kernel size');
    if (k % 2 !== 1) throw new ArgError(`SPPF kernel size must be odd (it pads by k // 2 to keep the size), got ${k}`);
    T.sppf(L, p, c1, c2);
    return same();
  },
  ConvTranspose2d: convTranspose,
  DWConvTranspose2d: convTranspose,
  C3: c3,
  C3x: c3,
  C3Ghost: c3,
  BottleneckCSP: ({ L, p, c1, c2, n, rest, same }) => {
    const g = optInt(rest, 1, 1, 'groups');
    const e = optNum(rest, 2, 0.5, 'expansion');
    T.bottleneckCSP(L, p, c1, c2, n, g, e);
    return same();
  },
};

export const CONV_FAMILY = new Set(Object.keys(CONV_BUILDERS));

function convTranspose({ L, p, type, c1, c2, rest, x, out }: ConvCall): Shape {
  // nn.ConvTranspose2d(c1, c2, k, s=1, p=0, output_padding=0, groups=1, bias=True, dilation=1)
  // DWConvTranspose2d(c1, c2, k=1, s=1, p1=0, p2=0): groups = gcd(c1, c2)
  const k = optInt(rest, 0, 1, 'kernel size');
  const s = optInt(rest, 1, 1, 'stride');
  const pad = optInt(rest, 2, 0, 'padding', 0);
  const op = optInt(rest, 3, 0, 'output padding', 0);
  const g = type === 'DWConvTranspose2d' ? gcdOf(c1, c2) : optInt(rest, 4, 1, 'groups');
  const bias = type === 'DWConvTranspose2d' ? true : rest[5] !== false;
  const d = type === 'DWConvTranspose2d' ? 1 : optInt(rest, 6, 1, 'dilation');
  L.convTranspose2d(p, c1, c2, k, g, bias);
  const up = (v: number | undefined) => (v === undefined ? undefined : (v - 1) * s - 2 * pad + d * (k - 1) + op + 1);
  return out(up(x.h), up(x.w));
}

function c3({ L, p, type, c1, c2, n, rest, same }: ConvCall): Shape {
  // C3(c1, c2, n=1, shortcut=True, g=1, e=0.5)
  const g = optInt(rest, 1, 1, 'groups');
  const e = optNum(rest, 2, 0.5, 'expansion');
  T.c3(L, p, c1, c2, n, g, e, type === 'C3' ? 'Bottleneck' : type === 'C3x' ? 'CrossConv' : 'GhostBottleneck');
  return same();
}

/** A conv-family row: channel scaling, C3's inner repeats, then n copies (nn.Sequential) if n > 1. */
export function buildConvRow(row: RowContext): BuiltRow {
  const { type, args, index } = row;
  const x = singleInput(row);
  if (x.flat)
    throw new ArgError(`${type} needs an image-shaped input but module ${index}'s input is flat (after Flatten/GlobalAvgPool/Dense)`);
  const c1 = x.c;
  let c2 = num(args, 0, 'output channels');
  if (c2 <= 0) throw new ArgError(`args[0] (output channels) must be positive, got ${c2}`);
  if (c2 !== row.no) c2 = makeDivisible(c2 * row.gw, row.chMul);
  const outArgs = [c1, c2, ...args.slice(1)];
  let n = row.n;
  let repeatsInside = 1;
  if (REPEAT_INSIDE.has(type)) {
    outArgs.splice(2, 0, n);
    repeatsInside = n;
    n = 1;
  }
  if (n > 1 && c1 !== c2)
    throw new ArgError(`repeating ${type} ${n} times needs equal input and output channels (${c1} → ${c2}); use separate rows`);
  const rest = args.slice(1);
  const builder = CONV_BUILDERS[type];
  const build = (p: string, cur: Shape = x): Shape =>
    builder({
      L: row.L,
      p,
      type,
      c1,
      c2,
      n: repeatsInside,
      rest,
      x: cur,
      out: (h, w) => spatial({ ...cur, c: c2 }, h, w, type, row.imgsz),
      same: () => ({ ...cur, c: c2 }),
    });
  return { outArgs, shape: repeat(n, row.name, build, x) };
}

function gcdOf(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
