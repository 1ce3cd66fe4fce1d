// Runtime shape checks for data crossing a process boundary (run folder files, webview messages).
// Each returns why the value does not fit, or undefined when it does; no Node or DOM APIs, so the
// host, the webview and the run folder reader share them.
import type { RunStatus } from '../runs/contract';
import { METRIC_KEYS } from './series';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'finished', 'stopped', 'failed'];

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Metrics every EpochMetrics line carries (a number, or null where the trainer wrote NaN). */
const REQUIRED_NUMBERS = ['train/loss', 'val/loss', 'val/accuracy', 'lr', 'epoch_seconds', 'images_per_second', 'tensor_bytes', 'rss_bytes'] as const;
const OPTIONAL_NUMBERS = ['val/top5', 'val/mAP_0.5', 'val/mAP_0.5:0.95', 'peak_tensor_bytes', 'device_util', 'device_memory_bytes'] as const;

/** Why `x` is not an EpochMetrics, or undefined. JSON has no NaN: a diverged loss written by
 *  JSON.stringify arrives as null, which is accepted (a gap in the chart). */
export function epochMetricsProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (typeof x.epoch !== 'number' || !Number.isFinite(x.epoch)) return 'has no numeric "epoch"';
  for (const k of REQUIRED_NUMBERS) {
    if (!(k in x)) return `has no "${k}"`;
    if (x[k] !== null && typeof x[k] !== 'number') return `"${k}" is ${JSON.stringify(x[k])}, expected a number`;
  }
  for (const k of OPTIONAL_NUMBERS) {
    if (x[k] !== undefined && x[k] !== null && typeof x[k] !== 'number') return `"${k}" is ${JSON.stringify(x[k])}, expected a number`;
  }
  if (typeof x.time !== 'string') return 'has no "time" (ISO string)';
  return undefined;
}

/** Why `x` is not a RunRecord, or undefined. Checks what readers rely on. */
export function runRecordProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (typeof x.name !== 'string' || x.name === '') return 'has no "name"';
  if (typeof x.status !== 'string' || !RUN_STATUSES.includes(x.status as RunStatus)) {
    return `"status" is ${JSON.stringify(x.status)}, expected one of ${RUN_STATUSES.join(', ')}`;
  }
  const f = x.freeze;
  const freezeOk = typeof f === 'number' || (Array.isArray(f) && f.every((v) => typeof v === 'number' || typeof v === 'string'));
  if (!freezeOk) return `"freeze" is ${JSON.stringify(f)}, expected a number or a list of module indices/names`;
  if (typeof x.experiment !== 'string') return 'has no "experiment" (path of the experiment file)';
  for (const k of ['epochs', 'epochsDone', 'trainableParams', 'totalParams', 'bestAccuracy', 'pid'] as const) {
    if (x[k] !== undefined && typeof x[k] !== 'number') return `"${k}" is ${JSON.stringify(x[k])}, expected a number`;
  }
  for (const k of ['startedAt', 'endedAt', 'sweep', 'engine', 'device', 'error', 'data', 'model'] as const) {
    if (x[k] !== undefined && typeof x[k] !== 'string') return `"${k}" is ${JSON.stringify(x[k])}, expected a string`;
  }
  if (x.deviceSource !== undefined && x.deviceSource !== 'nvidia-smi' && x.deviceSource !== 'cpu') {
    return `"deviceSource" is ${JSON.stringify(x.deviceSource)}, expected nvidia-smi or cpu`;
  }
  return undefined;
}

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
  return undefined;
}
