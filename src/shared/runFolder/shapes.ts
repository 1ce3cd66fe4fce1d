// Run-time checks of what crosses a process boundary through the run folder (run.json,
// metrics.jsonl lines, progress events, and the panel messages that carry them). Each returns why a
// value does not fit its type, or undefined when it does. The checks are tables typed over the
// contract's fields (`FieldChecks`), so a field added to RunRecord or EpochMetrics without a check
// does not compile. No Node or DOM APIs: the host, the trainer and the webview share them.
import type { EpochMetrics, RunPhase, RunRecord, RunStatus } from './contract';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'finished', 'stopped', 'failed'];

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** What one field's value should have been ("expected a number"), or undefined when it fits. */
export type FieldCheck = (v: unknown) => string | undefined;

/** One check per field of T, optional fields included (`-?`). */
export type FieldChecks<T> = { readonly [K in keyof T]-?: FieldCheck };

export const str: FieldCheck = (v) => (typeof v === 'string' ? undefined : 'expected a string');
export const num: FieldCheck = (v) => (typeof v === 'number' ? undefined : 'expected a number');
/** JSON has no NaN: a diverged loss written by JSON.stringify arrives as null (a gap in a chart). */
export const numOrNull: FieldCheck = (v) => (v === null ? undefined : num(v));

export function optional(check: FieldCheck): FieldCheck {
  return (v) => (v === undefined ? undefined : check(v));
}

export function oneOf(values: readonly unknown[]): FieldCheck {
  return (v) => (values.includes(v) ? undefined : `expected one of ${values.join(', ')}`);
}

function describe(v: unknown): string {
  return v === undefined ? 'missing' : JSON.stringify(v);
}

/** Why object `o` does not fit `checks`: the first field that does not, named. */
export function fieldsProblem(o: Record<string, unknown>, checks: Readonly<Record<string, FieldCheck>>): string | undefined {
  for (const [k, check] of Object.entries(checks)) {
    const p = check(o[k]);
    if (p) return `"${k}" is ${describe(o[k])}, ${p}`;
  }
  return undefined;
}

/** A nested object checked field by field ("expected an object: "used" is …"). */
export function object<T>(checks: FieldChecks<T>): FieldCheck {
  return (v) => {
    if (!isObject(v)) return 'expected an object';
    const p = fieldsProblem(v, checks);
    return p ? `expected an object whose ${p}` : undefined;
  };
}

const finite: FieldCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'expected a finite number');
const numbersOrNulls: FieldCheck = (v) => {
  if (!isObject(v)) return 'expected an object of numbers';
  const bad = Object.keys(v).find((k) => numOrNull(v[k]) !== undefined);
  return bad === undefined ? undefined : `expected numbers (or null), but "${bad}" is ${JSON.stringify(v[bad])}`;
};

const freeze: FieldCheck = (f) =>
  typeof f === 'number' || (Array.isArray(f) && f.every((v) => typeof v === 'number' || typeof v === 'string'))
    ? undefined
    : 'expected a number or a list of module indices/names';
const numbers: FieldCheck = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? undefined : 'expected a list of numbers');

const EPOCH_METRICS: FieldChecks<EpochMetrics> = {
  epoch: finite,
  'train/loss': numOrNull,
  'val/loss': numOrNull,
  'val/accuracy': numOrNull,
  'val/top5': optional(numOrNull),
  lr: numOrNull,
  lr_steps: optional(numbers),
  freeze: optional(freeze),
  phase: optional(num),
  epoch_seconds: numOrNull,
  images_per_second: numOrNull,
  tensor_bytes: numOrNull,
  peak_tensor_bytes: optional(numOrNull),
  rss_bytes: numOrNull,
  device_util: optional(numOrNull),
  device_memory_bytes: optional(numOrNull),
  time: (v) => (typeof v === 'string' ? undefined : 'expected an ISO time string'),
  'val/precision': optional(numOrNull),
  'val/recall': optional(numOrNull),
  'val/mAP_0.5': optional(numOrNull),
  'val/mAP_0.5:0.95': optional(numOrNull),
  yolov5: optional(numbersOrNulls),
};

/** Why `x` is not an EpochMetrics, or undefined. Metrics may be null where the trainer wrote NaN. */
export function epochMetricsProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (typeof x.epoch !== 'number' || !Number.isFinite(x.epoch)) return 'has no numeric "epoch"';
  return fieldsProblem(x, EPOCH_METRICS);
}

const PHASE: FieldChecks<RunPhase> = { startEpoch: finite, freeze };
const phases: FieldCheck = (v) => {
  if (!Array.isArray(v)) return 'expected a list of phases';
  for (const p of v) {
    const why = object(PHASE)(p);
    if (why) return why;
  }
  return undefined;
};

type Executor = NonNullable<RunRecord['executor']>;
const SLURM_EXECUTOR: FieldChecks<Extract<Executor, { kind: 'slurm' }>> = {
  kind: oneOf(['slurm']),
  jobId: str,
  state: optional(str),
  reason: optional(str),
  node: optional(str),
};
const executor: FieldCheck = (v) => {
  if (isObject(v) && v.kind === 'local') return undefined;
  if (isObject(v) && v.kind === 'slurm') return object(SLURM_EXECUTOR)(v);
  return 'expected {"kind": "local"} or {"kind": "slurm", "jobId": …}';
};

const RUN_RECORD: FieldChecks<RunRecord> = {
  name: (v) => (typeof v === 'string' && v !== '' ? undefined : 'expected the run name'),
  status: oneOf(RUN_STATUSES),
  experiment: (v) => (typeof v === 'string' ? undefined : 'expected the path of the experiment file'),
  freeze,
  sweep: optional(str),
  data: optional(str),
  model: optional(str),
  engine: optional(str),
  device: optional(str),
  deviceSource: optional(oneOf(['nvidia-smi', 'cpu'])),
  pid: optional(num),
  pidStartTime: optional(str),
  startedAt: optional(str),
  endedAt: optional(str),
  epochs: optional(num),
  epochsDone: optional(num),
  trainableParams: optional(num),
  totalParams: optional(num),
  weightsSha256: optional(str),
  cache: optional(
    object<NonNullable<RunRecord['cache']>>({ used: (v) => (typeof v === 'boolean' ? undefined : 'expected true or false'), reason: str }),
  ),
  bestAccuracy: optional(num),
  error: optional(str),
  trainer: optional(oneOf(['yolov5'])),
  bestMap50: optional(num),
  bestMap50_95: optional(num),
  executor: optional(executor),
  phases: optional(phases),
  fineTune: optional(object<NonNullable<RunRecord['fineTune']>>({ freezeEpochs: finite, lrMult: finite })),
};

/** Why `x` is not a RunRecord, or undefined. Every field the contract declares is checked. */
export function runRecordProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  return fieldsProblem(x, RUN_RECORD);
}
