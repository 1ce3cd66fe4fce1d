// Reads the learning rate and how it differs between modules:
//
//   lr: 0.001                          # one rate for every trainable module
//   lr: [1e-5, 1e-3]                   # fastai's discriminative rates: geometric from the first
//                                      # trainable module (1e-5) to the last (1e-3 = the base rate)
//   lrMult: { '0-5': 0.1, '6-': 1, 3: 0.5 }   # × lr per module index, range a-b, or open range a-
//
// lrMult and a range both set per-module rates, so together they are an error. Entries may nest (the
// narrowest one covering a module wins: lrMultipliers.ts) but not partly overlap, and not repeat a
// range, so that no module's rate depends on the order the keys are written in.
import { show } from './describeValue';
import { isObject } from './parseContext';
import type { Obj, ParseContext } from './parseContext';
import type { LrMultiplier, TrainSettings } from './types';
import { nodeAtPath } from './yamlPositions';

const LR_HINT = 'e.g. `lr: 0.001`, or `lr: [1e-5, 1e-3]` to spread rates from the first trainable module (lowest) to the last';
const KEY_HINT = "a module index (`3`), a range (`'0-5'`) or an open range to the last module (`'6-'`)";

function isRate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 10;
}

/** Sets `out.lr` (and `out.lrRange`, `out.lrMult`) from `t`; false after an error. */
export function readLr(ctx: ParseContext, t: Obj, out: TrainSettings): boolean {
  let ok = true;
  if (t.lr !== undefined) {
    if (isRate(t.lr)) out.lr = t.lr;
    else if (Array.isArray(t.lr)) ok = readRange(ctx, t.lr, out);
    else {
      ctx.error(['train', 'lr'], `train.lr must be a positive learning rate below 10, ${LR_HINT}; got ${show(t.lr)}`);
      ok = false;
    }
  }
  if (t.lrMult === undefined) return ok;
  if (Array.isArray(t.lr)) {
    ctx.error(
      ['train', 'lrMult'],
      'train.lrMult and a learning-rate range `lr: [min, max]` both set per-module rates: keep one (a single `lr:` with lrMult, or the range without it)',
      'key',
    );
    return false;
  }
  const mult = readLrMult(ctx, t.lrMult);
  if (mult) out.lrMult = mult;
  return ok && mult !== undefined;
}

function readRange(ctx: ParseContext, v: unknown[], out: TrainSettings): boolean {
  const p = ['train', 'lr'];
  if (v.length !== 2) {
    ctx.error(
      p,
      `train.lr as a range must be [min, max], two learning rates, e.g. [1e-5, 1e-3]; got ${v.length} value${v.length === 1 ? '' : 's'}`,
    );
    return false;
  }
  for (let i = 0; i < 2; i++) {
    if (isRate(v[i])) continue;
    ctx.error([...p, i], `train.lr[${i}] must be a positive learning rate below 10, e.g. [1e-5, 1e-3]; got ${show(v[i])}`);
    return false;
  }
  const [min, max] = v as [number, number];
  if (min >= max) {
    ctx.error(
      p,
      `train.lr as a range is [min, max] with min below max (the first trainable module learns slowest), got [${min}, ${max}]; for one rate write \`lr: ${max}\``,
    );
    return false;
  }
  out.lr = max;
  out.lrRange = { min, max };
  return true;
}

function readLrMult(ctx: ParseContext, v: unknown): LrMultiplier[] | undefined {
  const p = ['train', 'lrMult'];
  if (!isObject(v)) {
    ctx.error(p, `train.lrMult must be a mapping from modules to multipliers of lr, e.g. {'0-5': 0.1, '6-': 1}; got ${show(v)}`);
    return undefined;
  }
  // File order (js-yaml puts number-like keys first), so a clash is reported at the later key.
  const node = nodeAtPath(ctx.doc.root, p);
  const keys = node ? node.entries.map((e) => e.key).filter((k) => k in v) : Object.keys(v);
  const out: Array<LrMultiplier & { key: string }> = [];
  let ok = true;
  for (const key of keys) {
    const range = parseModuleRange(key);
    if (!range) {
      ctx.error([...p, key], `train.lrMult key '${key}' must be ${KEY_HINT}`, 'key');
      ok = false;
      continue;
    }
    const mult = v[key];
    if (typeof mult !== 'number' || !Number.isFinite(mult) || mult <= 0) {
      ctx.error([...p, key], `train.lrMult['${key}'] must be a multiplier of lr above 0, e.g. 0.1; got ${show(mult)}`);
      ok = false;
      continue;
    }
    const clash = out.find((e) => overlapsPartly(e, range));
    if (clash) {
      ctx.error(
        [...p, key],
        `train.lrMult '${key}' ${sameRange(clash, range) ? 'repeats' : 'partly overlaps'} '${clash.key}': every module must have one narrowest entry; split the ranges so that they are apart or one lies inside the other`,
        'key',
      );
      ok = false;
      continue;
    }
    out.push({ ...range, mult, key });
  }
  return ok ? out.map(({ from, to, mult }) => (to === undefined ? { from, mult } : { from, to, mult })) : undefined;
}

/** `3`, `0-5`, `6-` (spaces allowed around the dash); undefined for anything else or b < a. */
export function parseModuleRange(key: string): { from: number; to?: number } | undefined {
  const m = /^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$/.exec(key);
  if (!m) return undefined;
  const from = Number(m[1]);
  if (!m[2]) return { from, to: from };
  if (m[3] === '') return { from };
  const to = Number(m[3]);
  return to >= from ? { from, to } : undefined;
}

function sameRange(a: { from: number; to?: number }, b: { from: number; to?: number }): boolean {
  return a.from === b.from && a.to === b.to;
}

/** True when the ranges share a module without one containing the other, or are the same. */
function overlapsPartly(a: { from: number; to?: number }, b: { from: number; to?: number }): boolean {
  if (sameRange(a, b)) return true;
  const end = (r: { to?: number }): number => r.to ?? Infinity;
  const apart = end(a) < b.from || end(b) < a.from;
  const inside = (x: typeof a, y: typeof a): boolean => x.from >= y.from && end(x) <= end(y);
  return !apart && !inside(a, b) && !inside(b, a);
}
