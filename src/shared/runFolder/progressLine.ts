// The one reader of the trainer's progress lines (`train --json` stdout, a Slurm job's output
// file): every field of every ProgressEvent is checked, so the host, `transfer-lab sweep` and the
// Slurm follower act only on events whose fields have the types the contract promises. A line
// that is not a valid event is not an event: callers keep it as plain text.
import type { ProgressEvent } from './contract';
import {
  epochMetricsProblem,
  fieldsProblem,
  isObject,
  num,
  numOrNull,
  oneOf,
  optional,
  RUN_STATUSES,
  str,
  type FieldChecks,
} from './shapes';

/** A table of field checks per event type, keyed by the union's `type`s and, within each, by every
 *  field of that event but `type` (optional ones included): adding an event type, or a field to
 *  one, without its check in the table does not compile (test/shared/runFolderValidatorsTsc.test.ts). */
export type ValidatorTable<E extends { type: string }> = { readonly [K in E['type']]: FieldChecks<Omit<Extract<E, { type: K }>, 'type'>> };

export const VALIDATORS: ValidatorTable<ProgressEvent> = {
  start: { run: str, engine: str, device: str, epochs: num, trainableParams: num, totalParams: num },
  // A diverged loss is NaN, which JSON.stringify writes as null (read back as NaN below).
  batch: { run: str, epoch: num, batch: num, batches: num, loss: numOrNull },
  epoch: {
    run: str,
    metrics: (v) => {
      const p = epochMetricsProblem(v);
      return p ? `expected EpochMetrics, but it ${p}` : undefined;
    },
  },
  log: { run: str, level: oneOf(['info', 'warn', 'error']), message: str },
  end: { run: str, status: oneOf(RUN_STATUSES), error: optional(str) },
};

function isEventType(t: unknown): t is ProgressEvent['type'] {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(VALIDATORS, t);
}

/** Why `x` is not a ProgressEvent, or undefined when it is one. */
export function progressEventProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (!isEventType(x.type)) return `"type" is ${JSON.stringify(x.type)}, expected one of ${Object.keys(VALIDATORS).join(', ')}`;
  return fieldsProblem(x, VALIDATORS[x.type]);
}

/** Whether `x` is a ProgressEvent: every field of its type's table passed. */
export function isProgressEvent(x: unknown): x is ProgressEvent {
  return progressEventProblem(x) === undefined;
}

/** The JSON value of a line that holds one object (`{…}`), else undefined (text, a torn line). */
export function jsonOfLine(line: string): unknown {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** The event one output line carries, or undefined when the line is not a valid event (a library's
 *  warning, a torn line, an unknown type, a field of the wrong type). */
export function parseProgressLine(line: string): ProgressEvent | undefined {
  const v = jsonOfLine(line);
  if (!isProgressEvent(v)) return undefined;
  return v.type === 'batch' && v.loss === null ? { ...v, loss: NaN } : v;
}
