// Runtime shape check of the panel's own data (series columns) in webview messages; the run
// folder's records and metrics are checked by ../runFolder/shapes.ts. No Node or DOM APIs.
import { isObject } from '../runFolder/shapes';
import { METRIC_KEYS } from './series';

function numberOrNullArray(x: unknown): x is Array<number | null> {
  if (!Array.isArray(x)) return false;
  for (const v of x) if (v !== null && typeof v !== 'number') return false;
  return true;
}

/** Why `x` is not SeriesColumns (every column an array of numbers/nulls, all of equal length). */
export function seriesColumnsProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not an object';
  if (!Array.isArray(x.epoch) || !x.epoch.every((v) => typeof v === 'number')) return '"epoch" is not an array of numbers';
  const n = x.epoch.length;
  if (!numberOrNullArray(x.time) || x.time.length !== n) return `"time" is not an array of ${n} numbers/nulls`;
  if (!isObject(x.values)) return 'has no "values"';
  for (const k of METRIC_KEYS) {
    const col = x.values[k];
    if (!numberOrNullArray(col) || col.length !== n) return `"values.${k}" is not an array of ${n} numbers/nulls`;
  }
  if (x.lrSteps !== undefined) {
    const ok =
      Array.isArray(x.lrSteps) &&
      x.lrSteps.length === n &&
      x.lrSteps.every((s) => s === null || (numberOrNullArray(s) && !s.includes(null)));
    if (!ok) return `"lrSteps" is not an array of ${n} lists of numbers (or nulls)`;
  }
  return undefined;
}
