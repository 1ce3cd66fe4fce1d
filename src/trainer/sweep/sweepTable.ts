// The comparison a freeze sweep ends with, as the YOLOv5 freezing guide's summary: per freeze value
// the trainable parameters, best accuracy, time and memory, and each run's difference to the run
// that freezes nothing. The numbers come from the panel's summary (src/shared/panel/summary.ts), so
// the CLI table and the comparison panel always agree; the text is sweepTableText.ts's (formatSweepTable).
import type { MemoryMeasure, ScoreMetric } from '../../shared/panel/measures';
import { sharedMemoryMeasure, uniformMetric } from '../../shared/panel/measures';
import { toColumns } from '../../shared/panel/series';
import { buildSummary, RunSummary, SummaryDelta } from '../../shared/panel/summary';
import type { EpochMetrics, RunRecord } from '../../shared/runFolder/contract';

export interface SweepRunInput {
  record: RunRecord;
  metrics: readonly EpochMetrics[];
  /** What the freeze value means for this model ("backbone"); empty for custom values. */
  label?: string;
}

export interface SweepRow extends RunSummary {
  label: string;
  /** Seconds from the run's start to its end (engine start, data, frozen-prefix cache and epochs). */
  wallSeconds: number | null;
  weightsSha256: string | null;
  error: string | null;
  /** The run `delta` is against: null for the baseline itself and runs without one. */
  baseline: string | null;
  /** Difference to the baseline run; null for the baseline itself and when there is none. */
  delta: SummaryDelta | null;
  /** Why the run has no delta though it is not the baseline (other data, nothing to compare with). */
  note: string | null;
}

export interface SweepPretrain {
  /** The pretraining run's folder name; null when the weights are not a run's (a user's model.json). */
  run: string | null;
  /** Whether this sweep ran it (false: the weights already existed and were reused). */
  ran: boolean;
  /** The weights every run starts from (absolute). */
  weights: string;
  weightsSha256: string;
}

export interface SweepTable {
  sweep: string;
  /** The engine the runs trained on (as run.json records it); null when no run got that far. */
  engine: string | null;
  device: string | null;
  experiment: string;
  /** finished: every run finished; stopped: a signal ended the sweep; failed: a run failed. */
  status: 'finished' | 'stopped' | 'failed';
  pretrain: SweepPretrain | null;
  runs: SweepRow[];
  /** The run the deltas compare against: the one that freezes nothing (of the runs' largest
   *  comparable group, when a changed experiment split them; see each row's `baseline`). */
  baseline: string | null;
  /** What `best` is for every run (accuracy, or mAP@0.5 for YOLOv5 runs); null when they differ. */
  metric: ScoreMetric | null;
  /** The peak memory every measured run has (GPU, else RSS, else tensors); null when none is shared. */
  memory: MemoryMeasure | null;
}

export interface SweepTableInput {
  sweep: string;
  experiment: string;
  status: SweepTable['status'];
  pretrain?: SweepPretrain;
  runs: readonly SweepRunInput[];
}

function seconds(from?: string, to?: string): number | null {
  const a = from ? Date.parse(from) : NaN;
  const b = to ? Date.parse(to) : NaN;
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : null;
}

export function buildSweepTable(input: SweepTableInput): SweepTable {
  const byName = new Map(input.runs.map((r) => [r.record.name, r]));
  const summary = buildSummary(input.runs.map((r) => ({ record: r.record, cols: toColumns(r.metrics) })));
  const groupOf = new Map(summary.groups.flatMap((g) => g.runs.map((run) => [run, g] as const)));
  const rows: SweepRow[] = summary.rows.map((s) => {
    const r = byName.get(s.run)!;
    const g = groupOf.get(s.run);
    return {
      ...s,
      label: r.label ?? '',
      wallSeconds: seconds(r.record.startedAt, r.record.endedAt),
      weightsSha256: r.record.weightsSha256 ?? null,
      error: r.record.error ?? null,
      baseline: summary.baselineOf.get(s.run) ?? null,
      delta: summary.deltas.get(s.run) ?? null,
      note: g && g.baseline === undefined && summary.groups.length > 1 ? (g.note ?? null) : null,
    };
  });
  const withEngine = input.runs.find((r) => r.record.engine);
  const main = [...summary.groups].sort((a, b) => b.runs.length - a.runs.length)[0];
  return {
    sweep: input.sweep,
    engine: withEngine?.record.engine ?? null,
    device: withEngine?.record.device ?? null,
    experiment: input.experiment,
    status: input.status,
    pretrain: input.pretrain ?? null,
    runs: rows,
    baseline: main?.baseline ?? null,
    metric: rows.length ? (uniformMetric(rows.map((r) => r.metric)) ?? null) : null,
    memory: sharedMemoryMeasure(rows),
  };
}
