// The LR finder's contract between `transfer-lab lr-find` (src/trainer/lrFind/) and the extension
// host (src/extension/lrFind/): its result file and its progress lines. A range test is not a
// training run: its result goes to `<runs>/.lr-find/<experiment>-<time>.json` — beside the runs of
// the experiment (the same --runs-dir), in a folder with no run.json or metrics.jsonl, which
// listRunDirs (and with it the Runs view, the panel and the summary) never counts as a run, and
// which no run name can take (names do not start with a dot). Every value read from that file or
// from those lines is checked here before use, on both sides.
import { fieldsProblem, isObject, num, object, oneOf, optional, str, type FieldCheck, type FieldChecks } from '../runFolder/shapes';
import { jsonOfLine, type ValidatorTable } from '../runFolder/progressLine';

export const LR_FIND_DIR = '.lr-find';

/** Why the range test ended. */
export type LrFindEnd = 'completed' | 'diverged' | 'non-finite';
export const LR_FIND_ENDS: readonly LrFindEnd[] = ['completed', 'diverged', 'non-finite'];

export type LrSuggestionMethod = 'steepest' | 'minimum';

export interface LrSuggestions {
  /** Where the smoothed loss falls fastest against log(LR), before its minimum; absent when it never falls. */
  steepest?: number;
  /** The LR of the smoothed loss's minimum, divided by 10. */
  minimumTenth?: number;
  /** Which of the two is suggested; absent when neither could be found (too few steps). */
  suggested?: LrSuggestionMethod;
  /** The suggested value (steepest or minimumTenth). */
  lr?: number;
  /** Why that one (shown to the user). */
  reason: string;
}

export interface LrFindResult {
  version: 1;
  /** The experiment file (absolute) and its name (the file's `name:` or file name). */
  experiment: string;
  name: string;
  /** The freeze the test ran with (canonical, as run.json writes it). */
  freeze: number | Array<number | string>;
  engine: string;
  device: string;
  optimizer: 'adam' | 'sgd';
  batch: number;
  startedAt: string;
  endedAt: string;
  /** The range asked for and the steps planned; `lrs` holds the steps taken. */
  startLr: number;
  endLr: number;
  steps: number;
  end: LrFindEnd;
  /** One entry per step taken: the base LR, the batch's loss and the smoothed (EMA, bias-corrected) loss. */
  lrs: number[];
  losses: number[];
  smoothed: number[];
  suggestions: LrSuggestions;
}

const positive: FieldCheck = (v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'expected a positive number');
const positiveOpt = optional(positive);
const finiteList: FieldCheck = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? undefined : 'expected a list of finite numbers';
const freezeValue: FieldCheck = (v) =>
  typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'string'))
    ? undefined
    : 'expected a freeze value (a number or a list)';

const SUGGESTIONS: FieldChecks<LrSuggestions> = {
  steepest: positiveOpt,
  minimumTenth: positiveOpt,
  suggested: optional(oneOf(['steepest', 'minimum'])),
  lr: positiveOpt,
  reason: str,
};

const RESULT: FieldChecks<LrFindResult> = {
  version: oneOf([1]),
  experiment: str,
  name: str,
  freeze: freezeValue,
  engine: str,
  device: str,
  optimizer: oneOf(['adam', 'sgd']),
  batch: positive,
  startedAt: str,
  endedAt: str,
  startLr: positive,
  endLr: positive,
  steps: positive,
  end: oneOf(LR_FIND_ENDS),
  lrs: finiteList,
  losses: finiteList,
  smoothed: finiteList,
  suggestions: object(SUGGESTIONS),
};

/** Why `x` is not an LrFindResult, or undefined when it is one. */
export function lrFindResultProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  const p = fieldsProblem(x, RESULT);
  if (p) return p;
  const r = x as unknown as LrFindResult;
  if (r.losses.length !== r.lrs.length || r.smoothed.length !== r.lrs.length)
    return `"lrs", "losses" and "smoothed" differ in length (${r.lrs.length}, ${r.losses.length}, ${r.smoothed.length})`;
  const s = r.suggestions;
  if (s.suggested && s.lr !== (s.suggested === 'steepest' ? s.steepest : s.minimumTenth))
    return `"suggestions.lr" is not the ${s.suggested} value it says it is`;
  return undefined;
}

/** The result file's text parsed and checked; throws naming the file and what is wrong. */
export function parseLrFindResult(text: string, file: string): LrFindResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON (${(e as Error).message}); run the LR finder again`);
  }
  const p = lrFindResultProblem(v);
  if (p) throw new Error(`${file} is not an LR finder result: ${p}; run the LR finder again`);
  return v as LrFindResult;
}

/** `lr-find --json` stdout: one event per line. */
export type LrFindEvent =
  | { type: 'lrFindStart'; experiment: string; engine: string; device: string; steps: number }
  | { type: 'lrFindStep'; step: number; steps: number; lr: number; loss: number; smoothed: number }
  | { type: 'lrFindLog'; level: 'info' | 'warn' | 'error'; message: string }
  /** `file`: the result written; absent when stopped on request or failed (`error`). */
  | { type: 'lrFindDone'; status: 'finished' | 'stopped' | 'failed'; file?: string; error?: string };

const EVENTS: ValidatorTable<LrFindEvent> = {
  lrFindStart: { experiment: str, engine: str, device: str, steps: num },
  lrFindStep: { step: num, steps: num, lr: num, loss: num, smoothed: num },
  lrFindLog: { level: oneOf(['info', 'warn', 'error']), message: str },
  lrFindDone: { status: oneOf(['finished', 'stopped', 'failed']), file: optional(str), error: optional(str) },
};

/** The event one stdout line carries, or undefined when it is none (a library's notice, a torn line). */
export function parseLrFindLine(line: string): LrFindEvent | undefined {
  const v = jsonOfLine(line);
  if (!isObject(v) || typeof v.type !== 'string' || !Object.prototype.hasOwnProperty.call(EVENTS, v.type)) return undefined;
  return fieldsProblem(v, EVENTS[v.type as LrFindEvent['type']]) ? undefined : (v as unknown as LrFindEvent);
}
