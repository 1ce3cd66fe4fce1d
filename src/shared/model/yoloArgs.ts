// Argument handling for the [from, number, module, args] rows of a YOLOv5 model YAML: YOLOv5's
// scaling arithmetic (Python rounding, make_divisible), the `nc` / `anchors` / `None` names parse_model
// substitutes, and the typed readers that turn a bad argument into an ArgError naming its YAML index.
// Every module builder reads its arguments through these, so the messages read the same everywhere.
import { ArgError } from './torchLayers';

/** Python's round(): halves go to the even neighbour (round(2.5) == 2). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** YOLOv5's make_divisible: the smallest multiple of `divisor` ≥ x. */
export function makeDivisible(x: number, divisor: number): number {
  return Math.ceil(x / divisor) * divisor;
}

/** parse_model's depth gain: n = max(round(n * depth_multiple), 1) when n > 1. */
export function scaledRepeats(n0: number, gd: number): number {
  return n0 > 1 ? Math.max(pyRound(n0 * gd), 1) : n0;
}

/** The names parse_model evaluates inside args: `nc`, `anchors` and `None`. */
export function substituteArgs(args: unknown[], nc: number | undefined, anchors: unknown): unknown[] {
  return args.map((a) => {
    if (typeof a !== 'string') return a;
    if (a === 'nc') {
      if (nc === undefined)
        throw new ArgError('uses `nc` but the class count is unknown: add `nc: <classes>` at the top of the model YAML');
      return nc;
    }
    if (a === 'anchors') return anchors;
    if (a === 'None') return null;
    return a;
  });
}

export function num(args: unknown[], i: number, what: string): number {
  const v = args[i];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ArgError(`args[${i}] (${what}) must be a number, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

export function int(args: unknown[], i: number, what: string, min: number): number {
  const v = args[i];
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new ArgError(`args[${i}] (${what}) must be a whole number ≥ ${min}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
  return v as number;
}

/** Optional argument after c1/c2 (`rest` = YAML args without the first): YAML index is i + 1. */
export function optInt(rest: unknown[], i: number, def: number, what: string, min = 1): number {
  const v = rest[i];
  if (v === undefined || v === null) return def;
  if (!Number.isInteger(v) || (v as number) < min)
    throw new ArgError(`args[${i + 1}] (${what}) must be a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

export function optIntOrNull(rest: unknown[], i: number, what: string): number | null {
  const v = rest[i];
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || (v as number) < 0)
    throw new ArgError(`args[${i + 1}] (${what}) must be a whole number ≥ 0 or None, got ${JSON.stringify(v)}`);
  return v as number;
}

export function optNum(rest: unknown[], i: number, def: number, what: string): number {
  const v = rest[i];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !(v > 0)) throw new ArgError(`args[${i + 1}] (${what}) must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}
