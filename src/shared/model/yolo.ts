// YOLOv5-style architecture YAML → ModelSummary, following YOLOv5's `parse_model` (models/yolo.py):
// depth gain n = max(round(n * depth_multiple), 1) when n > 1; conv-family output channels
// make_divisible(c2 * width_multiple, 8) unless c2 is the detection output count; C3-family modules
// take the repeat count as an argument; Concat sums channels; Detect gets its inputs' channels.
// Beyond YOLOv5 it accepts small classifier layers in the same [from, number, module, args] form.
//
// ModuleInfo.args holds the constructor arguments as parse_model passes them (input channels first):
//   Conv, DWConv, GhostConv, Focus, CrossConv, Bottleneck, GhostBottleneck, SPP, SPPF,
//   ConvTranspose2d, DWConvTranspose2d: [c1, c2, ...yamlArgs.slice(1)]
//   C3, C3x, C3Ghost, BottleneckCSP: [c1, c2, n, ...yamlArgs.slice(1)]
//   BatchNorm2d, BatchNorm: [c]        Concat: [dim]        Upsample: [size, scale, mode]
//   Detect: [nc, anchors (lists), input channels]          Contract, Expand: [gain]
//   MaxPool, AvgPool: [k, s, p]   GlobalAvgPool, Flatten: []   Dropout: [p]
//   Dense: [c1, c2, activation | null]                     Classify: [c1, c2, k, s]
// Output shapes are HWC (or [features] once flat) and are only computed when imgsz is given.
import * as path from 'node:path';
import type { SettingLocation } from '../experiment/settingLocation';
import type { FileDiagnostic } from '../experiment/types';
import { parseYamlDocument, positionOf } from '../experiment/yamlPositions';
import type { YamlDocument, YamlPath } from '../experiment/yamlPositions';
import * as T from './torchLayers';
import { ArgError, LayerCollector } from './torchLayers';
import { SizeGuard, SizeLimitError } from './sizeLimits';
import type { ModelSummary, ModuleInfo } from './types';

export interface ModelOptions {
  /** Class count; overrides the YAML's `nc` as YOLOv5's Model(cfg, nc=…) does. */
  nc?: number;
  /** Square input size; output shapes are computed only when given. */
  imgsz?: number;
  /** Input channels (3 for RGB, 1 for MNIST); overrides the YAML's `ch`. Default 3. */
  ch?: number;
  /** Where the experiment sets imgsz: a size-limit error caused by the image size is reported there. */
  imgszAt?: SettingLocation;
}

/** Module names accepted in the `module` column, mapped to the canonical type stored in ModuleInfo. */
const MODULE_ALIASES: Record<string, string> = {
  Conv: 'Conv', DWConv: 'DWConv', GhostConv: 'GhostConv', Focus: 'Focus', CrossConv: 'CrossConv',
  Bottleneck: 'Bottleneck', GhostBottleneck: 'GhostBottleneck', SPP: 'SPP', SPPF: 'SPPF',
  C3: 'C3', C3x: 'C3x', C3Ghost: 'C3Ghost', BottleneckCSP: 'BottleneckCSP',
  'nn.ConvTranspose2d': 'ConvTranspose2d', DWConvTranspose2d: 'DWConvTranspose2d',
  'nn.BatchNorm2d': 'BatchNorm2d', BatchNorm: 'BatchNorm',
  Concat: 'Concat', Detect: 'Detect', Contract: 'Contract', Expand: 'Expand',
  'nn.Upsample': 'Upsample', Upsample: 'Upsample',
  MaxPool: 'MaxPool', 'nn.MaxPool2d': 'MaxPool', AvgPool: 'AvgPool', 'nn.AvgPool2d': 'AvgPool',
  GlobalAvgPool: 'GlobalAvgPool', Flatten: 'Flatten', 'nn.Flatten': 'Flatten',
  Dense: 'Dense', Linear: 'Dense', Dropout: 'Dropout', 'nn.Dropout': 'Dropout', Classify: 'Classify',
};

const CONV_FAMILY = new Set(['Conv', 'DWConv', 'GhostConv', 'Focus', 'CrossConv', 'Bottleneck', 'GhostBottleneck',
  'SPP', 'SPPF', 'ConvTranspose2d', 'DWConvTranspose2d', 'C3', 'C3x', 'C3Ghost', 'BottleneckCSP']);
const REPEAT_INSIDE = new Set(['C3', 'C3x', 'C3Ghost', 'BottleneckCSP']);
const ACTIVATIONS = new Set(['relu', 'relu6', 'sigmoid', 'softmax', 'tanh', 'silu', 'swish', 'elu', 'selu', 'gelu', 'linear', 'none']);

export const SUPPORTED_MODULES = Object.keys(MODULE_ALIASES);

/** Feature-map shape: spatial size known only when imgsz was given; `flat` after Flatten/pool/Dense. */
interface Shape {
  c: number;
  h?: number;
  w?: number;
  flat: boolean;
  /** Detect's output: boxes × (nc + 5). */
  boxes?: number;
}

type Obj = Record<string, unknown>;

export function parseYoloModel(text: string, file: string, opts: ModelOptions = {}): { summary?: ModelSummary; diagnostics: FileDiagnostic[] } {
  const parsed = parseYamlDocument(text, file);
  if (!parsed.doc) return { diagnostics: [parsed.error!] };
  return new YoloParser(parsed.doc, file, opts).parse();
}

/** Python's round(): halves go to the even neighbour (round(2.5) == 2). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** YOLOv5's make_divisible: the smallest multiple of `divisor` ≥ x. */
export function makeDivisible(x: number, divisor: number): number {
  return Math.ceil(x / divisor) * divisor;
}

function autopad(k: number, p: number | null, d = 1): number {
  const kk = d > 1 ? d * (k - 1) + 1 : k;
  return p ?? Math.floor(kk / 2);
}

function convSize(size: number | undefined, k: number, s: number, p: number, d = 1): number | undefined {
  if (size === undefined) return undefined;
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

class YoloParser {
  private readonly diagnostics: FileDiagnostic[] = [];

  constructor(private readonly doc: YamlDocument, private readonly file: string, private readonly opts: ModelOptions) {}

  private err(p: YamlPath, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.diagnostics.push({ file: this.file, ...positionOf(this.doc, p), severity, message });
  }

  parse(): { summary?: ModelSummary; diagnostics: FileDiagnostic[] } {
    const d = this.doc.value;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      this.err([], 'a model YAML must be a mapping with `backbone:` (and usually `head:`, `nc:`, `depth_multiple:`, `width_multiple:`)');
      return { diagnostics: this.diagnostics };
    }
    const y = d as Obj;
    const gd = this.multiple(y, 'depth_multiple');
    const gw = this.multiple(y, 'width_multiple');
    const chMul = y.channel_multiple === undefined ? 8 : this.positiveInt(y.channel_multiple, ['channel_multiple']);
    let nc: number | undefined = this.opts.nc;
    if (y.nc !== undefined) {
      const yamlNc = this.positiveInt(y.nc, ['nc']);
      nc ??= yamlNc;
    }
    const inCh = this.opts.ch ?? (y.ch === undefined ? 3 : this.positiveInt(y.ch, ['ch']));
    const anchors = y.anchors;
    let na = 0;
    if (anchors !== undefined) {
      if (Array.isArray(anchors) && anchors.length && anchors.every((a) => Array.isArray(a) && a.length % 2 === 0 && a.length && a.every((x) => typeof x === 'number'))) {
        na = (anchors[0] as unknown[]).length / 2;
      } else if (Number.isInteger(anchors) && (anchors as number) > 0) {
        na = anchors as number;
      } else {
        this.err(['anchors'], 'anchors must be a list of [w1, h1, w2, h2, …] lists (one per detection level) or a number of anchors per level');
      }
    }
    const no = na * ((nc ?? 0) + 5);

    const sections: Array<['backbone' | 'head', unknown[]]> = [];
    for (const key of ['backbone', 'head'] as const) {
      const v = y[key];
      if (v === undefined || v === null) {
        if (key === 'backbone') this.err([], 'the model YAML needs a `backbone:` list of [from, number, module, args] rows');
        continue;
      }
      if (!Array.isArray(v)) {
        this.err([key], `${key} must be a list of [from, number, module, args] rows`);
        continue;
      }
      sections.push([key, v]);
    }
    if (this.hasErrors() || gd === undefined || gw === undefined || chMul === undefined || inCh === undefined) {
      return { diagnostics: this.diagnostics };
    }

    const imgsz = this.opts.imgsz;
    const input: Shape = { c: inCh, h: imgsz, w: imgsz, flat: false };
    const shapes: Array<Shape | undefined> = [];
    const modules: ModuleInfo[] = [];
    const guard = new SizeGuard({ gd, gw, imgsz, imgszSetting: this.opts.imgszAt?.setting ?? 'imgsz', modelFile: path.basename(this.file) });
    let backboneLength = 0;
    let i = 0;
    for (const [section, rows] of sections) {
      for (let j = 0; j < rows.length; j++, i++) {
        if (section === 'backbone') backboneLength++;
        const where: YamlPath = [section, j];
        const line = positionOf(this.doc, where).line;
        try {
          const built = this.module(i, rows[j], { gd, gw, chMul, nc, anchors, no, input, shapes, guard, line });
          shapes.push(built?.shape);
          if (built) {
            guard.add({ name: built.info.name, type: built.info.type, line }, built.info.params, built.info.layers, built.info.outShape);
            modules.push({ ...built.info, section, line });
          }
        } catch (e) {
          // One size error says it all: the modules after it are larger still, or never built.
          if (e instanceof SizeLimitError) return this.sizeError(e, where);
          if (!(e instanceof ArgError)) throw e;
          this.err(where, `module ${i} (${describeRow(rows[j])}): ${e.message}`);
          shapes.push(undefined);
        }
      }
    }
    if (this.hasErrors()) return { diagnostics: this.diagnostics };
    if (!modules.length) {
      this.err(['backbone'], 'the model has no modules: add [from, number, module, args] rows to `backbone:`');
      return { diagnostics: this.diagnostics };
    }
    const summary: ModelSummary = {
      kind: 'yolov5-yaml',
      file: this.file,
      modules,
      totalParams: modules.reduce((a, m) => a + m.params, 0),
      backboneLength,
      inputShape: imgsz === undefined ? undefined : [imgsz, imgsz, inCh],
    };
    if (nc !== undefined) summary.nc = nc;
    return { summary, diagnostics: this.diagnostics };
  }

  /** Reported at the setting to change: the multiple's line, the experiment's image size, or the row. */
  private sizeError(e: SizeLimitError, where: YamlPath): { diagnostics: FileDiagnostic[] } {
    const p = e.culprit === 'width_multiple' || e.culprit === 'depth_multiple' ? [e.culprit] : e.culprit === 'number' ? [...where, 1] : where;
    const at = (e.culprit === 'imgsz' ? this.opts.imgszAt : undefined) ?? { file: this.file, ...positionOf(this.doc, p) };
    this.diagnostics.push({ file: at.file, line: at.line, column: at.column, severity: 'error', message: e.message, code: 'size-limit' });
    return { diagnostics: this.diagnostics };
  }

  private hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private multiple(y: Obj, key: string): number | undefined {
    const v = y[key];
    if (v === undefined) return 1;
    if (typeof v === 'number' && v > 0 && Number.isFinite(v)) return v;
    this.err([key], `${key} must be a positive number (YOLOv5s uses ${key === 'depth_multiple' ? '0.33' : '0.50'}); got ${JSON.stringify(v)}`);
    return undefined;
  }

  private positiveInt(v: unknown, p: YamlPath): number | undefined {
    if (Number.isInteger(v) && (v as number) > 0) return v as number;
    this.err(p, `${p.join('.')} must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
    return undefined;
  }

  /** One [from, number, module, args] row; returns undefined (silently) when an input is broken. */
  private module(
    i: number,
    row: unknown,
    ctx: { gd: number; gw: number; chMul: number; nc?: number; anchors: unknown; no: number; input: Shape; shapes: Array<Shape | undefined>; guard: SizeGuard; line: number },
  ): { info: Omit<ModuleInfo, 'section' | 'line'>; shape: Shape } | undefined {
    if (!Array.isArray(row) || row.length !== 4) {
      throw new ArgError('each row must be [from, number, module, args], e.g. [-1, 1, Conv, [64, 3, 2]]');
    }
    const [fromRaw, nRaw, mRaw, argsRaw] = row as [unknown, unknown, unknown, unknown];
    if (typeof mRaw !== 'string') throw new ArgError('the module name (3rd column) must be a text like Conv or C3');
    const type = MODULE_ALIASES[mRaw];
    if (!type) {
      throw new ArgError(`unknown module '${mRaw}'; supported: ${SUPPORTED_MODULES.join(', ')}`);
    }
    if (!Number.isInteger(nRaw) || (nRaw as number) < 1) throw new ArgError(`number (2nd column) must be a whole number ≥ 1, got ${JSON.stringify(nRaw)}`);
    if (!Array.isArray(argsRaw)) throw new ArgError(`args (4th column) must be a list, e.g. [64, 3, 2]; got ${JSON.stringify(argsRaw)}`);

    // `from`: -1 is the previous module (the image for module 0); other values index earlier modules.
    const froms = Array.isArray(fromRaw) ? fromRaw : [fromRaw];
    if (!froms.length) throw new ArgError('from (1st column) must name at least one earlier module');
    const inputs: Shape[] = [];
    for (const f of froms) {
      if (!Number.isInteger(f)) throw new ArgError(`from must be -1 or an earlier module index, got ${JSON.stringify(f)}`);
      const idx = (f as number) < 0 ? i + (f as number) : (f as number);
      if (idx >= i) {
        // Module 0 has no earlier module, module 1 exactly one: no "modules 0–-1" or "0–0".
        const earlier = i === 0 ? 'module 0 is the first module: its from must be -1 (the input image)'
          : `module ${i} can only take input from ${i === 1 ? 'module 0' : `modules 0–${i - 1}`} (or -1 for the previous one)`;
        throw new ArgError(`from ${f} ${idx === i ? `is module ${i} itself` : 'points forward'}: ${earlier}`);
      }
      if (idx < 0) {
        if (i === 0 && f === -1) {
          inputs.push(ctx.input);
          continue;
        }
        throw new ArgError(`from ${f} points before module 0`);
      }
      const s = ctx.shapes[idx];
      if (!s) return undefined;
      inputs.push(s);
    }
    const multi = Array.isArray(fromRaw);
    const n0 = nRaw as number;
    let n = n0 > 1 ? Math.max(pyRound(n0 * ctx.gd), 1) : n0;
    // Before anything is built: each repeat adds layers to the list.
    ctx.guard.repeats({ name: `model.${i}`, type, line: ctx.line }, n0, n);

    const args = (argsRaw as unknown[]).map((a) => {
      if (typeof a !== 'string') return a;
      if (a === 'nc') {
        if (ctx.nc === undefined) throw new ArgError('uses `nc` but the class count is unknown: add `nc: <classes>` at the top of the model YAML');
        return ctx.nc;
      }
      if (a === 'anchors') return ctx.anchors;
      if (a === 'None') return null;
      return a;
    });

    const L = new LayerCollector();
    const p = `model.${i}`;
    const single = (): Shape => {
      if (multi && inputs.length !== 1) throw new ArgError(`${type} takes one input; from must be a single index`);
      return inputs[0];
    };
    let outArgs: unknown[];
    let shape: Shape;

    if (CONV_FAMILY.has(type)) {
      const x = single();
      if (x.flat) throw new ArgError(`${type} needs an image-shaped input but module ${i}'s input is flat (after Flatten/GlobalAvgPool/Dense)`);
      const c1 = x.c;
      let c2 = num(args, 0, 'output channels');
      if (c2 <= 0) throw new ArgError(`args[0] (output channels) must be positive, got ${c2}`);
      if (c2 !== ctx.no) c2 = makeDivisible(c2 * ctx.gw, ctx.chMul);
      outArgs = [c1, c2, ...args.slice(1)];
      let repeatsInside = 1;
      if (REPEAT_INSIDE.has(type)) {
        outArgs.splice(2, 0, n);
        repeatsInside = n;
        n = 1;
      }
      if (n > 1 && c1 !== c2) throw new ArgError(`repeating ${type} ${n} times needs equal input and output channels (${c1} → ${c2}); use separate rows`);
      const rest = args.slice(1);
      const build = (prefix: string, cur: Shape = x): Shape => this.convFamily(L, prefix, type, c1, c2, repeatsInside, rest, cur);
      shape = this.repeat(n, p, build, x);
    } else {
      outArgs = args;
      switch (type) {
        case 'BatchNorm2d':
        case 'BatchNorm': {
          const x = single();
          outArgs = [x.c];
          shape = this.repeat(n, p, (prefix) => {
            L.batchNorm(prefix, x.c, x.flat ? 'BatchNorm1d' : 'BatchNorm2d');
            return x;
          });
          break;
        }
        case 'Concat': {
          const dim = args.length ? int(args, 0, 'dimension', 1) : 1;
          if (dim !== 1) throw new ArgError(`Concat joins channels (dimension 1); got dimension ${dim}`);
          if (inputs.some((s) => s.flat)) throw new ArgError('Concat inputs must be image-shaped');
          const first = inputs[0];
          for (const s of inputs) {
            if (s.h !== first.h || s.w !== first.w) {
              throw new ArgError(`Concat inputs differ in size (${sizeText(first)} vs ${sizeText(s)}) at imgsz ${this.opts.imgsz}; use an imgsz divisible by the model's largest stride (32 for YOLOv5)`);
            }
          }
          if (n !== 1) throw new ArgError('Concat cannot repeat; set number to 1');
          outArgs = [dim];
          shape = { ...first, c: inputs.reduce((a, s) => a + s.c, 0) };
          break;
        }
        case 'Detect':
          ({ shape, outArgs } = detect(L, p, args, inputs, n));
          break;
        case 'Upsample': {
          const x = single();
          if (x.flat) throw new ArgError('Upsample needs an image-shaped input');
          const size = args[0] ?? null;
          const scale = args[1] ?? null;
          outArgs = [size, scale, args[2] ?? 'nearest'];
          shape = this.repeat(n, p, () => {
            if (typeof size === 'number') return { ...x, h: x.h === undefined ? undefined : size, w: x.w === undefined ? undefined : size };
            if (typeof scale !== 'number' || scale <= 0) throw new ArgError('Upsample needs [None, scale, mode], e.g. [None, 2, "nearest"]');
            return { ...x, h: x.h === undefined ? undefined : Math.floor(x.h * scale), w: x.w === undefined ? undefined : Math.floor(x.w * scale) };
          });
          break;
        }
        case 'Contract':
        case 'Expand': {
          const x = single();
          const g = args.length ? int(args, 0, 'gain', 1) : 2;
          outArgs = [g];
          if (type === 'Expand' && x.c % (g * g) !== 0) throw new ArgError(`Expand needs channels divisible by gain² (${x.c} by ${g * g})`);
          shape = type === 'Contract'
            ? { ...x, c: x.c * g * g, h: div(x.h, g), w: div(x.w, g) }
            : { ...x, c: x.c / (g * g), h: mul(x.h, g), w: mul(x.w, g) };
          break;
        }
        case 'MaxPool':
        case 'AvgPool': {
          const x = single();
          if (x.flat) throw new ArgError(`${type} needs an image-shaped input`);
          const k = int(args, 0, 'kernel size', 1);
          const s = args[1] === undefined || args[1] === null ? k : int(args, 1, 'stride', 1);
          const pad = args[2] === undefined || args[2] === null ? 0 : int(args, 2, 'padding', 0);
          if (pad * 2 > k) throw new ArgError(`padding ${pad} must be at most half the kernel size ${k}`);
          outArgs = [k, s, pad];
          shape = this.repeat(n, p, (_prefix, cur = x) => this.spatial(cur, convSize(cur.h, k, s, pad), convSize(cur.w, k, s, pad), type), x);
          break;
        }
        case 'GlobalAvgPool': {
          const x = single();
          if (x.flat) throw new ArgError('GlobalAvgPool needs an image-shaped input');
          outArgs = [];
          shape = { c: x.c, flat: true };
          break;
        }
        case 'Flatten': {
          const x = single();
          outArgs = [];
          if (x.flat) shape = x;
          else if (x.h === undefined || x.w === undefined) shape = { c: NaN, flat: true };
          else shape = { c: x.h * x.w * x.c, flat: true };
          break;
        }
        case 'Dense': {
          const x = single();
          if (!x.flat) throw new ArgError('Dense needs a flat input: put Flatten or GlobalAvgPool before it');
          if (Number.isNaN(x.c)) throw new ArgError('Dense after Flatten needs a known input size: set train.imgsz (or put GlobalAvgPool before it)');
          const out = int(args, 0, 'output size (use nc for the class count)', 1);
          const act = args[1] === undefined || args[1] === null ? null : args[1];
          if (act !== null && (typeof act !== 'string' || !ACTIVATIONS.has(act.toLowerCase()))) {
            throw new ArgError(`activation must be one of ${[...ACTIVATIONS].join(', ')}; got ${JSON.stringify(act)}`);
          }
          if (n > 1 && x.c !== out) throw new ArgError(`repeating Dense ${n} times needs equal input and output sizes (${x.c} → ${out}); use separate rows`);
          outArgs = [x.c, out, act];
          shape = this.repeat(n, p, (prefix) => {
            L.linear(prefix, x.c, out);
            return { c: out, flat: true };
          });
          break;
        }
        case 'Dropout': {
          const x = single();
          const rate = args.length ? num(args, 0, 'drop rate') : 0.5;
          if (rate < 0 || rate >= 1) throw new ArgError(`drop rate must be in [0, 1), got ${rate}`);
          outArgs = [rate];
          shape = x;
          break;
        }
        case 'Classify': {
          const x = single();
          if (x.flat) throw new ArgError('Classify needs an image-shaped input (it pools itself)');
          let c2: number;
          if (args[0] === undefined || args[0] === null) {
            if (ctx.nc === undefined) throw new ArgError('Classify needs the class count: give [nc] or set `nc:` at the top');
            c2 = ctx.nc;
          } else c2 = int(args, 0, 'classes', 1);
          const k = args[1] === undefined ? 1 : int(args, 1, 'kernel size', 1);
          const s = args[2] === undefined ? 1 : int(args, 2, 'stride', 1);
          if (n !== 1) throw new ArgError('Classify cannot repeat; set number to 1');
          outArgs = [x.c, c2, k, s];
          T.classify(L, p, x.c, c2, k);
          const pad = autopad(k, null);
          this.spatial(x, convSize(x.h, k, s, pad), convSize(x.w, k, s, pad), type);
          shape = { c: c2, flat: true };
          break;
        }
        default:
          throw new ArgError(`unsupported module '${type}'`);
      }
    }

    const info: Omit<ModuleInfo, 'section' | 'line'> = {
      index: i,
      name: p,
      type,
      from: fromRaw as number | number[],
      repeats: n0 > 1 ? Math.max(pyRound(n0 * ctx.gd), 1) : n0,
      args: outArgs,
      layers: L.layers,
      params: L.paramCount,
    };
    const out = shapeToArray(shape);
    if (out) info.outShape = out;
    return { info, shape };
  }

  /** YOLOv5 wraps n > 1 copies of a module in nn.Sequential, naming them `model.i.0`, `model.i.1`… */
  private repeat(n: number, p: string, build: (prefix: string, cur?: Shape) => Shape, start?: Shape): Shape {
    if (n === 1) return build(p, start);
    let cur = start;
    for (let k = 0; k < n; k++) cur = build(`${p}.${k}`, cur);
    return cur!;
  }

  private spatial(x: Shape, h: number | undefined, w: number | undefined, type: string): Shape {
    if ((h !== undefined && h < 1) || (w !== undefined && w < 1)) {
      throw new ArgError(`${type} shrinks the ${sizeText(x)} input to nothing at imgsz ${this.opts.imgsz}; use a larger train.imgsz or fewer stride-2 layers`);
    }
    return { ...x, h, w };
  }

  private convFamily(L: LayerCollector, p: string, type: string, c1: number, c2: number, n: number, rest: unknown[], x: Shape): Shape {
    const out = (h: number | undefined, w: number | undefined): Shape => this.spatial({ ...x, c: c2 }, h, w, type);
    const same = (): Shape => ({ ...x, c: c2 });
    switch (type) {
      case 'Conv': {
        // Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)
        const k = optInt(rest, 0, 1, 'kernel size');
        const s = optInt(rest, 1, 1, 'stride');
        const pad = optIntOrNull(rest, 2, 'padding');
        const g = optInt(rest, 3, 1, 'groups');
        const d = optInt(rest, 4, 1, 'dilation');
        T.conv(L, p, c1, c2, k, g);
        const pp = autopad(k, pad, d);
        return out(convSize(x.h, k, s, pp, d), convSize(x.w, k, s, pp, d));
      }
      case 'DWConv': {
        // DWConv(c1, c2, k=1, s=1, d=1, act=True)
        const k = optInt(rest, 0, 1, 'kernel size');
        const s = optInt(rest, 1, 1, 'stride');
        const d = optInt(rest, 2, 1, 'dilation');
        T.dwConv(L, p, c1, c2, k);
        const pp = autopad(k, null, d);
        return out(convSize(x.h, k, s, pp, d), convSize(x.w, k, s, pp, d));
      }
      case 'GhostConv': {
        // GhostConv(c1, c2, k=1, s=1, g=1, act=True)
        const k = optInt(rest, 0, 1, 'kernel size');
        const s = optInt(rest, 1, 1, 'stride');
        const g = optInt(rest, 2, 1, 'groups');
        T.ghostConv(L, p, c1, c2, k, g);
        const pp = autopad(k, null);
        return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
      }
      case 'Focus': {
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
      }
      case 'CrossConv': {
        // CrossConv(c1, c2, k=3, s=1, g=1, e=1.0, shortcut=False)
        const k = optInt(rest, 0, 3, 'kernel size');
        const s = optInt(rest, 1, 1, 'stride');
        const g = optInt(rest, 2, 1, 'groups');
        const e = optNum(rest, 3, 1.0, 'expansion');
        T.crossConv(L, p, c1, c2, k, g, e);
        const pp = autopad(k, null);
        return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
      }
      case 'Bottleneck': {
        // Bottleneck(c1, c2, shortcut=True, g=1, e=0.5)
        const g = optInt(rest, 1, 1, 'groups');
        const e = optNum(rest, 2, 0.5, 'expansion');
        T.bottleneck(L, p, c1, c2, g, e);
        return same();
      }
      case 'GhostBottleneck': {
        // GhostBottleneck(c1, c2, k=3, s=1)
        const k = optInt(rest, 0, 3, 'kernel size');
        const s = optInt(rest, 1, 1, 'stride');
        if (s !== 1 && s !== 2) throw new ArgError(`GhostBottleneck stride must be 1 or 2, got ${s}`);
        T.ghostBottleneck(L, p, c1, c2, k, s);
        if (s === 1) return same();
        const pp = autopad(k, null);
        return out(convSize(x.h, k, s, pp), convSize(x.w, k, s, pp));
      }
      case 'SPP': {
        // SPP(c1, c2, k=(5, 9, 13))
        const ks = rest[0] === undefined ? [5, 9, 13] : rest[0];
        if (!Array.isArray(ks) || !ks.length || !ks.every((v) => Number.isInteger(v) && v > 0 && v % 2 === 1)) {
          throw new ArgError('SPP kernel sizes must be a list of odd numbers, e.g. [5, 9, 13]');
        }
        T.spp(L, p, c1, c2, ks.length);
        return same();
      }
      case 'SPPF': {
        // SPPF(c1, c2, k=5)
        const k = optInt(rest, 0, 5, 'kernel size');
        if (k % 2 !== 1) throw new ArgError(`SPPF kernel size must be odd (it pads by k // 2 to keep the size), got ${k}`);
        T.sppf(L, p, c1, c2);
        return same();
      }
      case 'ConvTranspose2d':
      case 'DWConvTranspose2d': {
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
      case 'C3':
      case 'C3x':
      case 'C3Ghost': {
        // C3(c1, c2, n=1, shortcut=True, g=1, e=0.5)
        const g = optInt(rest, 1, 1, 'groups');
        const e = optNum(rest, 2, 0.5, 'expansion');
        T.c3(L, p, c1, c2, n, g, e, type === 'C3' ? 'Bottleneck' : type === 'C3x' ? 'CrossConv' : 'GhostBottleneck');
        return same();
      }
      case 'BottleneckCSP': {
        const g = optInt(rest, 1, 1, 'groups');
        const e = optNum(rest, 2, 0.5, 'expansion');
        T.bottleneckCSP(L, p, c1, c2, n, g, e);
        return same();
      }
      default:
        throw new ArgError(`unsupported module '${type}'`);
    }
  }
}

/** Detect(nc, anchors, ch): anchors is a list per level or a number of anchors per level. */
function detect(L: LayerCollector, p: string, args: unknown[], inputs: Shape[], n: number): { shape: Shape; outArgs: unknown[] } {
  const nc = int(args, 0, 'classes (nc)', 1);
  let anchors = args[1];
  if (anchors === undefined || anchors === null) throw new ArgError('Detect needs [nc, anchors]; add `anchors:` at the top of the file');
  if (Number.isInteger(anchors)) anchors = Array.from({ length: inputs.length }, () => Array.from({ length: (anchors as number) * 2 }, (_, k) => k));
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
  T.detect(L, p, no, na, inputs.map((s) => s.c));
  const known = inputs.every((s) => s.h !== undefined && s.w !== undefined);
  const shape: Shape = { c: no, flat: false };
  if (known) shape.boxes = inputs.reduce((a, s) => a + na * s.h! * s.w!, 0);
  return { outArgs: [nc, anchors, inputs.map((s) => s.c)], shape };
}

function shapeToArray(s: Shape): number[] | undefined {
  if (s.flat) return Number.isNaN(s.c) ? undefined : [s.c];
  if (s.boxes !== undefined) return [s.boxes, s.c];
  if (s.h === undefined || s.w === undefined) return undefined;
  return [s.h, s.w, s.c];
}

function sizeText(s: Shape): string {
  return s.h === undefined ? '?' : `${s.h}×${s.w}`;
}

function div(v: number | undefined, g: number): number | undefined {
  return v === undefined ? undefined : Math.floor(v / g);
}

function mul(v: number | undefined, g: number): number | undefined {
  return v === undefined ? undefined : v * g;
}

function gcdOf(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function num(args: unknown[], i: number, what: string): number {
  const v = args[i];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgError(`args[${i}] (${what}) must be a number, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

function int(args: unknown[], i: number, what: string, min: number): number {
  const v = args[i];
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new ArgError(`args[${i}] (${what}) must be a whole number ≥ ${min}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
  return v as number;
}

/** Optional argument after c1/c2 (`rest` = YAML args without the first): YAML index is i + 1. */
function optInt(rest: unknown[], i: number, def: number, what: string, min = 1): number {
  const v = rest[i];
  if (v === undefined || v === null) return def;
  if (!Number.isInteger(v) || (v as number) < min) throw new ArgError(`args[${i + 1}] (${what}) must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function optIntOrNull(rest: unknown[], i: number, what: string): number | null {
  const v = rest[i];
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || (v as number) < 0) throw new ArgError(`args[${i + 1}] (${what}) must be a whole number ≥ 0 or None, got ${JSON.stringify(v)}`);
  return v as number;
}

function optNum(rest: unknown[], i: number, def: number, what: string): number {
  const v = rest[i];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !(v > 0)) throw new ArgError(`args[${i + 1}] (${what}) must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

function describeRow(row: unknown): string {
  if (Array.isArray(row) && typeof row[2] === 'string') return row[2];
  return 'row';
}
