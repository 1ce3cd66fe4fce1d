// Which runs the summary compares, and against which baseline. A delta ("−4.6 pt accuracy, 3.4x
// faster") only means something between runs that differ in what was frozen and nothing else that
// matters, so:
//
//  - Comparable runs trained the same model on the same data from the same experiment file with the
//    same trainer (so they have the same score metric): run.json's `experiment`, `data`, `model` and
//    `trainer` are equal. A run with a freeze schedule or fastai's fine_tune recipe (run.json's
//    `phases`, `fineTune`) is comparable with its experiment's plain freeze runs: how the freeze and
//    learning rates move is what the comparison is about; its row names its schedule. A run recorded before `data`/`model` existed is comparable only with
//    runs that lack them too (unknown is not assumed equal to known). The pretraining run of a
//    sweep (another experiment, other digits) is therefore never compared with the sweep's runs.
//  - Runs are shown in groups: the runs of one sweep, or the single (non-sweep) runs of one
//    comparable set. A group's default baseline is its own nothing-frozen run (a finished one
//    first, then the earliest started), so a later single run never becomes a sweep's baseline.
//  - The user may pick a baseline instead; it then serves every group comparable with it, and the
//    summary says so. Groups not comparable with it keep their own default. Runs of different
//    comparable sets are never compared, whatever is picked.
//  - A group with one run and no picked baseline has nothing to compare with: it says so.
//
// Order is fixed by the runs themselves, not by when they arrived: groups by experiment, data and
// sweep (single runs first), runs in a group by what they freeze (nothing first), then by name.
import type { RunRecord } from '../runFolder/contract';
import { scoreMetricOf, type ScoreMetric } from './measures';
import { isScheduled } from './scheduleText';

export type ComparedRecord = Pick<
  RunRecord,
  'name' | 'status' | 'freeze' | 'experiment' | 'sweep' | 'data' | 'model' | 'trainer' | 'startedAt' | 'phases' | 'fineTune'
>;

/** Nothing frozen: `freeze: 0` or an empty list. */
export function freezesNothing(f: number | Array<number | string>): boolean {
  return typeof f === 'number' ? f === 0 : f.length === 0;
}

/** Equal for runs whose deltas mean something (see the top of this file). */
export function comparableKey(r: ComparedRecord): string {
  return JSON.stringify([r.experiment, r.data ?? null, r.model ?? null, r.trainer ?? null]);
}

function groupKey(r: ComparedRecord): string {
  return JSON.stringify([comparableKey(r), r.sweep ?? null]);
}

export interface ComparisonGroup {
  /** Stable identity (comparable set + sweep). */
  key: string;
  experiment: string;
  /** run.json's data description; undefined for runs recorded without one. */
  data: string | undefined;
  sweep: string | undefined;
  metric: ScoreMetric;
  /** Names in display order. */
  runs: string[];
  /** The run this group's deltas compare against (it may belong to another, comparable group). */
  baseline: string | undefined;
  /** 'chosen': the user's pick; 'nothing-frozen': the group's own nothing-frozen run. */
  baselineFrom: 'chosen' | 'nothing-frozen' | undefined;
  /** Why there are no deltas, when there are none. */
  note: string | undefined;
}

/** Nothing frozen first, then whole-module counts, then lists by length, then runs whose freeze
 *  changed during training (schedules, fine_tune); names break ties. */
function freezeOrder(a: ComparedRecord, b: ComparedRecord): number {
  const rank = (r: ComparedRecord) => (isScheduled(r) ? 3 : freezesNothing(r.freeze) ? 0 : typeof r.freeze === 'number' ? 1 : 2);
  const size = (r: ComparedRecord) => (typeof r.freeze === 'number' ? r.freeze : r.freeze.length);
  return rank(a) - rank(b) || size(a) - size(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function compareText(a: string | undefined, b: string | undefined): number {
  // Undefined (single runs, unrecorded data) first.
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** The default baseline among `runs`: a nothing-frozen run, finished first, then the earliest started. */
export function nothingFrozenBaseline(runs: readonly ComparedRecord[]): ComparedRecord | undefined {
  const started = (r: ComparedRecord) => (r.startedAt ? Date.parse(r.startedAt) : NaN);
  // A schedule that starts unfrozen is not the nothing-frozen baseline.
  const candidates = runs.filter((r) => freezesNothing(r.freeze) && !isScheduled(r));
  candidates.sort((a, b) => {
    const fa = a.status === 'finished' ? 0 : 1;
    const fb = b.status === 'finished' ? 0 : 1;
    const ta = started(a);
    const tb = started(b);
    const byTime = Number.isFinite(ta) && Number.isFinite(tb) ? ta - tb : Number.isFinite(ta) ? -1 : Number.isFinite(tb) ? 1 : 0;
    return fa - fb || byTime || freezeOrder(a, b);
  });
  return candidates[0];
}

/** The runs in groups, each with its baseline; `chosen` is the user's pick (ignored when unknown). */
export function groupForComparison(records: readonly ComparedRecord[], chosen?: string): ComparisonGroup[] {
  const byKey = new Map<string, ComparedRecord[]>();
  for (const r of records) {
    const k = groupKey(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const picked = chosen === undefined ? undefined : records.find((r) => r.name === chosen);
  const groups: ComparisonGroup[] = [];
  for (const [key, runs] of byKey) {
    runs.sort(freezeOrder);
    const first = runs[0];
    const g: ComparisonGroup = {
      key,
      experiment: first.experiment,
      data: first.data,
      sweep: first.sweep,
      metric: scoreMetricOf(first),
      runs: runs.map((r) => r.name),
      baseline: undefined,
      baselineFrom: undefined,
      note: undefined,
    };
    if (picked && comparableKey(picked) === comparableKey(first)) {
      g.baseline = picked.name;
      g.baselineFrom = 'chosen';
    } else if (runs.length < 2) {
      // Comparable runs elsewhere (a sweep of the same experiment and data) are compared with it
      // only when the user picks a baseline: never silently.
      const others = records.some((r) => r !== first && comparableKey(r) === comparableKey(first));
      g.note = others
        ? 'comparable with the other groups of this experiment and data: pick a baseline to compare them'
        : first.sweep
          ? `the only run of sweep ${first.sweep} so far: nothing to compare with`
          : 'no other run of this experiment on the same data: nothing to compare with';
    } else {
      g.baseline = nothingFrozenBaseline(runs)?.name;
      if (g.baseline) g.baselineFrom = 'nothing-frozen';
      else g.note = 'no run here freezes nothing: pick a baseline to compare';
    }
    groups.push(g);
  }
  groups.sort(
    (a, b) =>
      compareText(a.experiment, b.experiment) || compareText(a.data, b.data) || compareText(a.sweep, b.sweep) || compareText(a.key, b.key),
  );
  return groups;
}
