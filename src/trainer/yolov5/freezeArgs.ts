// The experiment's freeze value as YOLOv5's `train.py --freeze` takes it. YOLOv5 reads the list as
//   freeze = [f'model.{x}.' for x in (freeze if len(freeze) > 1 else range(freeze[0]))]
// so ONE value is always a count (modules 0…N-1) and only two or more values are indices. A single
// module k is therefore passed as `k k` (the duplicate is harmless: both name `model.k.`). YOLOv5
// freezes whole modules only: a layer name such as model.3.bn cannot be expressed. Pure.
import type { FreezeSpec } from '../../shared/experiment/types';
import { UserError } from '../../shared/userError';

export class Yolov5FreezeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'Yolov5FreezeError';
  }
}

/** `model.7` or `model.7.` names the whole module 7; anything longer names a layer. */
const WHOLE_MODULE = /^model\.(\d+)\.?$/;

/** Module indices a freeze value names, or the layer names YOLOv5 cannot take. */
function moduleIndices(spec: Array<number | string>): { indices: number[]; layers: string[] } {
  const indices: number[] = [];
  const layers: string[] = [];
  for (const x of spec) {
    if (typeof x === 'number') indices.push(x);
    else {
      const m = WHOLE_MODULE.exec(x);
      if (m) indices.push(Number(m[1]));
      else layers.push(x);
    }
  }
  return { indices: [...new Set(indices)], layers };
}

/**
 * The values after `--freeze`: `['N']` when the frozen modules are exactly 0…N-1 (`['0']`: none),
 * otherwise the module indices, with a lone index k written `k k`. Throws Yolov5FreezeError for
 * layer names.
 */
export function yolov5FreezeArgs(spec: FreezeSpec): string[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0) throw new Yolov5FreezeError(`freeze ${spec} is not a module count: write a whole number ≥ 0`);
    return [String(spec)];
  }
  const { indices, layers } = moduleIndices(spec);
  if (layers.length > 0) {
    throw new Yolov5FreezeError(
      `freeze names single layers (${layers.join(', ')}), which YOLOv5's --freeze cannot express: it freezes whole modules only (model.N.). ` +
        "Freeze or unfreeze whole modules in the Modules view (or write module indices in `freeze:`), or train with Transfer Lab's own trainer, which freezes single layers.",
    );
  }
  if (indices.length === 0) return ['0'];
  const sorted = [...indices].sort((a, b) => a - b);
  // A prefix 0…N-1 is the count N, YOLOv5's own way of writing it.
  if (sorted.every((v, i) => v === i)) return [String(sorted.length)];
  if (sorted.length === 1) return [String(sorted[0]), String(sorted[0])];
  return sorted.map(String);
}

/** The parameter-name prefixes YOLOv5 freezes for these `--freeze` values (its own rule, as above). */
export function yolov5FrozenPrefixes(args: readonly string[]): string[] {
  const values = args.map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0))
    throw new Yolov5FreezeError(`--freeze takes whole numbers ≥ 0, got ${args.join(' ')}`);
  const modules = values.length > 1 ? values : Array.from({ length: values[0] }, (_, i) => i);
  return modules.map((x) => `model.${x}.`);
}
