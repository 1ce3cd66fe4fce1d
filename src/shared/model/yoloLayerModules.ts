// The modules outside the conv family: YOLOv5's BatchNorm, Concat, Detect, Upsample, Contract/Expand,
// and the small classifier layers this extension accepts in the same row form (pools, Flatten, Dense,
// Dropout, Classify). Their arguments are passed as written, not channel-scaled; one builder per type
// checks them, records the layers and returns the output shape with parse_model's constructor args.
import { int, num } from './yoloArgs';
import type { BuiltRow, RowContext } from './yoloRowContext';
import { singleInput } from './yoloRowContext';
import { autopad, convSize, div, mul, repeat, sizeText, spatial } from './yoloShape';
import type { Shape } from './yoloShape';
import * as T from './torchLayers';
import { ArgError } from './torchLayers';

const ACTIVATIONS = new Set(['relu', 'relu6', 'sigmoid', 'softmax', 'tanh', 'silu', 'swish', 'elu', 'selu', 'gelu', 'linear', 'none']);

const LAYER_BUILDERS: Record<string, (row: RowContext) => BuiltRow> = {
  BatchNorm2d: batchNorm,
  BatchNorm: batchNorm,
  Concat: (row) => {
    const { args, inputs, n } = row;
    const dim = args.length ? int(args, 0, 'dimension', 1) : 1;
    if (dim !== 1) throw new ArgError(`Concat joins channels (dimension 1); got dimension ${dim}`);
    if (inputs.some((s) => s.flat)) throw new ArgError('Concat inputs must be image-shaped');
    const first = inputs[0];
    for (const s of inputs) {
      if (s.h !== first.h || s.w !== first.w) {
        throw new ArgError(
          `Concat inputs differ in size (${sizeText(first)} vs ${sizeText(s)}) at imgsz ${row.imgsz}; use an imgsz divisible by the model's largest stride (32 for YOLOv5)`,
        );
      }
    }
    if (n !== 1) throw new ArgError('Concat cannot repeat; set number to 1');
    return { outArgs: [dim], shape: { ...first, c: inputs.reduce((a, s) => a + s.c, 0) } };
  },
  Detect: detect,
  Upsample: (row) => {
    const { args } = row;
    const x = singleInput(row);
    if (x.flat) throw new ArgError('Upsample needs an image-shaped input');
    const size = args[0] ?? null;
    const scale = args[1] ?? null;
    const shape = repeat(row.n, row.name, () => {
      if (typeof size === 'number') return { ...x, h: x.h === undefined ? undefined : size, w: x.w === undefined ? undefined : size };
      if (typeof scale !== 'number' || scale <= 0) throw new ArgError('Upsample needs [None, scale, mode], e.g. [None, 2, "nearest"]');
      return {
        ...x,
        h: x.h === undefined ? undefined : Math.floor(x.h * scale),
        w: x.w === undefined ? undefined : Math.floor(x.w * scale),
      };
    });
    return { outArgs: [size, scale, args[2] ?? 'nearest'], shape };
  },
  Contract: contractOrExpand,
  Expand: contractOrExpand,
  MaxPool: pool,
  AvgPool: pool,
  GlobalAvgPool: (row) => {
    const x = singleInput(row);
    if (x.flat) throw new ArgError('GlobalAvgPool needs an image-shaped input');
    return { outArgs: [], shape: { c: x.c, flat: true } };
  },
  Flatten: (row) => {
    const x = singleInput(row);
    if (x.flat) return { outArgs: [], shape: x };
    if (x.h === undefined || x.w === undefined) return { outArgs: [], shape: { c: NaN, flat: true } };
    return { outArgs: [], shape: { c: x.h * x.w * x.c, flat: true } };
  },
  Dense: (row) => {
    const { args, n } = row;
    const x = singleInput(row);
    if (!x.flat) throw new ArgError('Dense needs a flat input: put Flatten or GlobalAvgPool before it');
    if (Number.isNaN(x.c))
      throw new ArgError('Dense after Flatten needs a known input size: set train.imgsz (or put GlobalAvgPool before it)');
    const out = int(args, 0, 'output size (use nc for the class count)', 1);
    const act = args[1] === undefined || args[1] === null ? null : args[1];
    if (act !== null && (typeof act !== 'string' || !ACTIVATIONS.has(act.toLowerCase()))) {
      throw new ArgError(`activation must be one of ${[...ACTIVATIONS].join(', ')}; got ${JSON.stringify(act)}`);
    }
    if (n > 1 && x.c !== out)
      throw new ArgError(`repeating Dense ${n} times needs equal input and output sizes (${x.c} → ${out}); use separate rows`);
    const shape = repeat(n, row.name, (prefix) => {
      row.L.linear(prefix, x.c, out);
      return { c: out, flat: true };
    });
    return { outArgs: [x.c, out, act], shape };
  },
  Dropout: (row) => {
    const x = singleInput(row);
    const rate = row.args.length ? num(row.args, 0, 'drop rate') : 0.5;
    if (rate < 0 || rate >= 1) throw new ArgError(`drop rate must be in [0, 1), got ${rate}`);
    return { outArgs: [rate], shape: x };
  },
  Classify: (row) => {
    const { args } = row;
    const x = singleInput(row);
    if (x.flat) throw new ArgError('Classify needs an image-shaped input (it pools itself)');
    let c2: number;
    if (args[0] === undefined || args[0] === null) {
      if (row.nc === undefined) throw new ArgError('Classify needs the class count: give [nc] or set `nc:` at the top');
      c2 = row.nc;
    } else c2 = int(args, 0, 'classes', 1);
    const k = args[1] === undefined ? 1 : int(args, 1, 'kernel size', 1);
    const s = args[2] === undefined ? 1 : int(args, 2, 'stride', 1);
    if (row.n !== 1) throw new ArgError('Classify cannot repeat; set number to 1');
    T.classify(row.L, row.name, x.c, c2, k);
    const pad = autopad(k, null);
    spatial(x, convSize(x.h, k, s, pad), convSize(x.w, k, s, pad), row.type, row.imgsz);
    return { outArgs: [x.c, c2, k, s], shape: { c: c2, flat: true } };
  },
};

/** A row of a module outside the conv family; an unknown type is an ArgError like any bad argument. */
export function buildLayerRow(row: RowContext): BuiltRow {
  const builder = LAYER_BUILDERS[row.type];
  if (!builder) throw new ArgError(`unsupported module '${row.type}'`);
  return builder(row);
}

function batchNorm(row: RowContext): BuiltRow {
  const x = singleInput(row);
  const shape = repeat(row.n, row.name, (prefix) => {
    row.L.batchNorm(prefix, x.c, x.flat ? 'BatchNorm1d' : 'BatchNorm2d');
    return x;
  });
  return { outArgs: [x.c], shape };
}

function contractOrExpand(row: RowContext): BuiltRow {
  const { args, type } = row;
  const x = singleInput(row);
  const g = args.length ? int(args, 0, 'gain', 1) : 2;
  if (type === 'Expand' && x.c % (g * g) !== 0) throw new ArgError(`Expand needs channels divisible by gain² (${x.c} by ${g * g})`);
  const shape =
    type === 'Contract'
      ? { ...x, c: x.c * g * g, h: div(x.h, g), w: div(x.w, g) }
      : { ...x, c: x.c / (g * g), h: mul(x.h, g), w: mul(x.w, g) };
  return { outArgs: [g], shape };
}

function pool(row: RowContext): BuiltRow {
  const { args, type } = row;
  const x = singleInput(row);
  if (x.flat) throw new ArgError(`${type} needs an image-shaped input`);
  const k = int(args, 0, 'kernel size', 1);
  const s = args[1] === undefined || args[1] === null ? k : int(args, 1, 'stride', 1);
  const pad = args[2] === undefined || args[2] === null ? 0 : int(args, 2, 'padding', 0);
  if (pad * 2 > k) throw new ArgError(`padding ${pad} must be at most half the kernel size ${k}`);
  const shape = repeat(
    row.n,
    row.name,
    (_prefix, cur = x) => spatial(cur, convSize(cur.h, k, s, pad), convSize(cur.w, k, s, pad), type, row.imgsz),
    x,
  );
  return { outArgs: [k, s, pad], shape };
}

/** Detect(nc, anchors, ch): anchors is a list per level or a number of anchors per level. */
function detect({ L, name, args, inputs, n }: RowContext): BuiltRow {
  const nc = int(args, 0, 'classes (nc)', 1);
  let anchors = args[1];
  if (anchors === undefined || anchors === null) throw new ArgError('Detect needs [nc, anchors]; add `anchors:` at the top of the file');
  if (Number.isInteger(anchors))
    anchors = Array.from({ length: inputs.length }, () => Array.from({ length: (anchors as number) * 2 }, (_, k) => k));
  if (!Array.isArray(anchors) || !anchors.length || !anchors.every((a) => Array.isArray(a) && a.length >= 2 && a.length % 2 === 0)) {
    throw new ArgError('Detect anchors must be a list of [w, h, …] lists, one per input');
  }
  if (anchors.length !== inputs.length) {
    throw new ArgError(`Detect has ${inputs.length} inputs but ${anchors.length} anchor levels; give one anchor list per input`);
  }
  if (inputs.some((s) => s.flat)) throw new ArgError('Detect inputs must be image-shaped');
  if (n !== 1) throw new ArgError('Detect cannot repeat; set number to 1');
  const na = (anchors[0] as unknown[]).length / 2;
  const no = nc + 5;
  T.detect(
    L,
    name,
    no,
    na,
    inputs.map((s) => s.c),
  );
  const known = inputs.every((s) => s.h !== undefined && s.w !== undefined);
  const shape: Shape = { c: no, flat: false };
  if (known) shape.boxes = inputs.reduce((a, s) => a + na * s.h! * s.w!, 0);
  return { outArgs: [nc, anchors, inputs.map((s) => s.c)], shape };
}
