// One [from, number, module, args] row of a YOLOv5 model YAML → one ModuleInfo, as parse_model builds
// one layer: check the four columns, resolve `from` to the earlier modules' shapes, apply the depth
// gain, substitute nc/anchors/None, then hand the row to its module type's builder. The YAML-level
// walk over backbone and head lives in yolo.ts; the builders in yoloConvModules / yoloLayerModules.
import { scaledRepeats, substituteArgs } from './yoloArgs';
import { buildConvRow, CONV_FAMILY } from './yoloConvModules';
import { buildLayerRow } from './yoloLayerModules';
import type { Shape } from './yoloShape';
import { shapeToArray } from './yoloShape';
import { ArgError, LayerCollector } from './torchLayers';
import type { SizeGuard } from './sizeLimits';
import type { ModuleInfo } from './types';

/** Module names accepted in the `module` column, mapped to the canonical type stored in ModuleInfo. */
const MODULE_ALIASES: Record<string, string> = {
  Conv: 'Conv',
  DWConv: 'DWConv',
  GhostConv: 'GhostConv',
  Focus: 'Focus',
  CrossConv: 'CrossConv',
  Bottleneck: 'Bottleneck',
  GhostBottleneck: 'GhostBottleneck',
  SPP: 'SPP',
  SPPF: 'SPPF',
  C3: 'C3',
  C3x: 'C3x',
  C3Ghost: 'C3Ghost',
  BottleneckCSP: 'BottleneckCSP',
  'nn.ConvTranspose2d': 'ConvTranspose2d',
  DWConvTranspose2d: 'DWConvTranspose2d',
  'nn.BatchNorm2d': 'BatchNorm2d',
  BatchNorm: 'BatchNorm',
  Concat: 'Concat',
  Detect: 'Detect',
  Contract: 'Contract',
  Expand: 'Expand',
  'nn.Upsample': 'Upsample',
  Upsample: 'Upsample',
  MaxPool: 'MaxPool',
  'nn.MaxPool2d': 'MaxPool',
  AvgPool: 'AvgPool',
  'nn.AvgPool2d': 'AvgPool',
  GlobalAvgPool: 'GlobalAvgPool',
  Flatten: 'Flatten',
  'nn.Flatten': 'Flatten',
  Dense: 'Dense',
  Linear: 'Dense',
  Dropout: 'Dropout',
  'nn.Dropout': 'Dropout',
  Classify: 'Classify',
};

export const SUPPORTED_MODULES = Object.keys(MODULE_ALIASES);

/** What a row reads from the model as a whole and from the rows before it. */
export interface ModelContext {
  gd: number;
  gw: number;
  chMul: number;
  nc?: number;
  anchors: unknown;
  /** Detection output count na * (nc + 5): a conv producing it is not width-scaled. */
  no: number;
  imgsz?: number;
  /** The image, module 0's input. */
  input: Shape;
  /** Each earlier module's output shape; undefined where that row was broken. */
  shapes: Array<Shape | undefined>;
  guard: SizeGuard;
}

export type BuiltModule = { info: Omit<ModuleInfo, 'section' | 'line'>; shape: Shape };

/** Row i; undefined (silently) when one of its inputs is broken, ArgError when the row itself is. */
export function buildRow(i: number, row: unknown, line: number, model: ModelContext): BuiltModule | undefined {
  if (!Array.isArray(row) || row.length !== 4) {
    throw new ArgError('each row must be [from, number, module, args], e.g. [-1, 1, Conv, [64, 3, 2]]');
  }
  const [fromRaw, nRaw, mRaw, argsRaw] = row as [unknown, unknown, unknown, unknown];
  if (typeof mRaw !== 'string') throw new ArgError('the module name (3rd column) must be a text like Conv or C3');
  const type = MODULE_ALIASES[mRaw];
  if (!type) {
    throw new ArgError(`unknown module '${mRaw}'; supported: ${SUPPORTED_MODULES.join(', ')}`);
  }
  if (!Number.isInteger(nRaw) || (nRaw as number) < 1)
    throw new ArgError(`number (2nd column) must be a whole number ≥ 1, got ${JSON.stringify(nRaw)}`);
  if (!Array.isArray(argsRaw)) throw new ArgError(`args (4th column) must be a list, e.g. [64, 3, 2]; got ${JSON.stringify(argsRaw)}`);

  const inputs = resolveFrom(i, fromRaw, model);
  if (!inputs) return undefined;
  const n0 = nRaw as number;
  const n = scaledRepeats(n0, model.gd);
  // Before anything is built: each repeat adds layers to the list.
  model.guard.repeats({ name: `model.${i}`, type, line }, n0, n);

  const args = substituteArgs(argsRaw as unknown[], model.nc, model.anchors);
  const L = new LayerCollector();
  const ctx = {
    index: i,
    name: `model.${i}`,
    type,
    inputs,
    multi: Array.isArray(fromRaw),
    n,
    args,
    L,
    nc: model.nc,
    imgsz: model.imgsz,
    gw: model.gw,
    chMul: model.chMul,
    no: model.no,
  };
  const { shape, outArgs } = CONV_FAMILY.has(type) ? buildConvRow(ctx) : buildLayerRow(ctx);
  const info: Omit<ModuleInfo, 'section' | 'line'> = {
    index: i,
    name: ctx.name,
    type,
    from: fromRaw as number | number[],
    repeats: n,
    args: outArgs,
    layers: L.layers,
    params: L.paramCount,
  };
  const out = shapeToArray(shape);
  if (out) info.outShape = out;
  return { info, shape };
}

/** `from`: -1 is the previous module (the image for module 0); other values index earlier modules.
 *  Undefined when an input module was itself broken (its row already has a diagnostic). */
function resolveFrom(i: number, fromRaw: unknown, model: ModelContext): Shape[] | undefined {
  const froms = Array.isArray(fromRaw) ? fromRaw : [fromRaw];
  if (!froms.length) throw new ArgError('from (1st column) must name at least one earlier module');
  const inputs: Shape[] = [];
  for (const f of froms) {
    if (!Number.isInteger(f)) throw new ArgError(`from must be -1 or an earlier module index, got ${JSON.stringify(f)}`);
    const idx = (f as number) < 0 ? i + (f as number) : (f as number);
    if (idx >= i) {
      // Module 0 has no earlier module, module 1 exactly one: no "modules 0–-1" or "0–0".
      const earlier =
        i === 0
          ? 'module 0 is the first module: its from must be -1 (the input image)'
          : `module ${i} can only take input from ${i === 1 ? 'module 0' : `modules 0–${i - 1}`} (or -1 for the previous one)`;
      throw new ArgError(`from ${f} ${idx === i ? `is module ${i} itself` : 'points forward'}: ${earlier}`);
    }
    if (idx < 0) {
      if (i === 0 && f === -1) {
        inputs.push(model.input);
        continue;
      }
      throw new ArgError(`from ${f} points before module 0`);
    }
    const s = model.shapes[idx];
    if (!s) return undefined;
    inputs.push(s);
  }
  return inputs;
}

/** A row's name in a diagnostic: its module column when it has one. */
export function describeRow(row: unknown): string {
  if (Array.isArray(row) && typeof row[2] === 'string') return row[2];
  return 'row';
}
