// The one reader of the trainer's progress lines (`train --json` stdout, a Slurm job's output
// file): every field of every ProgressEvent is checked, so the host, `transfer-lab sweep` and the
// Slurm follower act only on events whose fields have the types the contract promises. A line
// that is not a valid event is not an event: callers keep it as plain text.
import type { ProgressEvent } from './contract';
import { epochMetricsProblem, isObject, RUN_STATUSES } from '../panel/shapes';

type Fields = Record<string, unknown>;
type Check = (o: Fields) => string | undefined;

const LOG_LEVELS: readonly unknown[] = ['info', 'warn', 'error'];
const STATUSES: readonly unknown[] = RUN_STATUSES;

function strings(...keys: string[]): Check {
  return (o) => {
    for (const k of keys) if (typeof o[k] !== 'string') return `"${k}" is ${JSON.stringify(o[k])}, expected a string`;
    return undefined;
  };
}

function numbers(...keys: string[]): Check {
  return (o) => {
    for (const k of keys) if (typeof o[k] !== 'number') return `"${k}" is ${JSON.stringify(o[k])}, expected a number`;
    return undefined;
  };
}

function all(...checks: Check[]): Check {
  return (o) => {
    for (const c of checks) {
      const p = c(o);
      if (p) return p;
    }
    return undefined;
  };
}

/** One validator per event type. Typed as a Record over the union's `type`s, so adding an event
 *  type to ProgressEvent without a validator here does not compile. */
export const PROGRESS_EVENT_CHECKS: Readonly<Record<ProgressEvent['type'], Check>> = {
  start: all(strings('run', 'engine', 'device'), numbers('epochs', 'trainableParams', 'totalParams')),
  // A diverged loss is NaN, which JSON.stringify writes as null (read back as NaN below).
  batch: all(strings('run'), numbers('epoch', 'batch', 'batches'), (o) => (o.loss === null ? undefined : numbers('loss')(o))),
  epoch: all(strings('run'), (o) => {
    const p = epochMetricsProblem(o.metrics);
    return p ? `"metrics" ${p}` : undefined;
  }),
  log: all(strings('run', 'message'), (o) => (LOG_LEVELS.includes(o.level) ? undefined : `"level" is ${JSON.stringify(o.level)}, expected info, warn or error`)),
  end: all(strings('run'), (o) => {
    if (!STATUSES.includes(o.status)) return `"status" is ${JSON.stringify(o.status)}, expected one of ${RUN_STATUSES.join(', ')}`;
    return o.error === undefined ? undefined : strings('error')(o);
  }),
};

function isEventType(t: unknown): t is ProgressEvent['type'] {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(PROGRESS_EVENT_CHECKS, t);
}

/** Why `x` is not a ProgressEvent, or undefined when it is one. */
export function progressEventProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (!isEventType(x.type)) return `"type" is ${JSON.stringify(x.type)}, expected one of ${Object.keys(PROGRESS_EVENT_CHECKS).join(', ')}`;
  return PROGRESS_EVENT_CHECKS[x.type](x);
}

/** Whether `x` is a ProgressEvent: its type's validator in PROGRESS_EVENT_CHECKS passed. */
export function isProgressEvent(x: unknown): x is ProgressEvent {
  return progressEventProblem(x) === undefined;
}

/** The event one output line carries, or undefined when the line is not a valid event (a library's
 *  warning, a torn line, an unknown type, a field of the wrong type). */
export function parseProgressLine(line: string): ProgressEvent | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!isProgressEvent(v)) return undefined;
  return v.type === 'batch' && v.loss === null ? { ...v, loss: NaN } : v;
}
