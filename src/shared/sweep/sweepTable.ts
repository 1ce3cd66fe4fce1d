// The comparison a freeze sweep ends with, as the YOLOv5 freezing guide's summary: per freeze value
// the trainable parameters, best accuracy, time and memory, and each run's difference to the run
// that freezes nothing. The numbers come from the panel's summary (src/shared/panel/summary.ts), so
// the CLI table and the comparison panel always agree.
import { formatBytes, formatCount, formatPercent } from '../panel/format';
import { toColumns } from '../panel/series';
import { buildSummary, formatFreeze, RunSummary, SummaryDelta } from '../panel/summary';
import type { EpochMetrics, RunRecord } from '../runs/contract';

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
  /** Difference to the baseline run; null for the baseline itself and when there is none. */
  delta: SummaryDelta | null;
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
  /** The run every delta compares against: the one that freezes nothing. */
  baseline: string | null;
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
  const summary = buildSummary(input.runs.map((r) => ({ record: r.record, cols: toColumns(r.metrics) })));
  const rows: SweepRow[] = summary.rows.map((s, i) => {
    const r = input.runs[i];
    return {
      ...s,
      label: r.label ?? '',
      wallSeconds: seconds(r.record.startedAt, r.record.endedAt),
      weightsSha256: r.record.weightsSha256 ?? null,
      error: r.record.error ?? null,
      delta: summary.deltas.get(s.run) ?? null,
    };
  });
  const withEngine = input.runs.find((r) => r.record.engine);
  return {
    sweep: input.sweep,
    engine: withEngine?.record.engine ?? null,
    device: withEngine?.record.device ?? null,
    experiment: input.experiment,
    status: input.status,
    pretrain: input.pretrain ?? null,
    runs: rows,
    baseline: summary.baseline ?? null,
  };
}

function fixed(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function signed(v: number | null, digits: number, unit: string): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const s = v.toFixed(digits);
  // "-0.0" reads as a loss: no change is "+0.0".
  return `${Number(s) === 0 ? `+${(0).toFixed(digits)}` : v > 0 ? `+${s}` : s}${unit}`;
}

function speedup(v: number | null): string {
  return v === null || !Number.isFinite(v) || v <= 0 ? '–' : `${v.toFixed(v >= 10 ? 0 : 1)}x`;
}

const HEADERS = ['freeze', 'what', 'status', 'trainable', 'best acc', 's/epoch', 'epochs s', 'wall s', 'peak mem', 'Δ acc', 'speed-up', 'Δ mem'];
/** Numeric columns are right-aligned. */
const RIGHT = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);

/** The table as aligned text columns, with a legend saying what each figure is. */
export function formatSweepTable(t: SweepTable): string {
  const body = t.runs.map((r) => {
    const base = r.run === t.baseline;
    return [
      formatFreeze(r.freeze),
      r.label,
      r.status,
      r.trainableParams === null ? '–' : `${formatCount(r.trainableParams)}${r.totalParams !== null ? ` / ${formatCount(r.totalParams)}` : ''}`,
      formatPercent(r.bestAccuracy),
      fixed(r.secondsPerEpoch, 2),
      fixed(r.totalSeconds, 1),
      fixed(r.wallSeconds, 1),
      formatBytes(r.peakTensorBytes),
      base ? 'baseline' : signed(r.delta?.accuracyPt ?? null, 1, ' pt'),
      base ? '' : speedup(r.delta?.speedup ?? null),
      base ? '' : signed(r.delta?.memoryPct ?? null, 0, '%'),
    ];
  });
  const widths = HEADERS.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (RIGHT.has(c) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
  const out: string[] = [];
  out.push(`sweep ${t.sweep}: ${t.status}${t.engine ? `, engine ${t.engine}${t.device ? ` on ${t.device}` : ''}` : ''}`);
  if (t.pretrain) {
    out.push(`pretrained weights ${t.pretrain.weights} (sha256 ${t.pretrain.weightsSha256.slice(0, 12)}…, ${t.pretrain.ran ? `made by run ${t.pretrain.run} in this sweep` : t.pretrain.run ? `reused from run ${t.pretrain.run}` : 'reused'})`);
  }
  out.push('', line(HEADERS), line(widths.map((w) => '-'.repeat(w))), ...body.map(line));
  for (const r of t.runs) if (r.error) out.push(`${r.run}: ${r.error}`);
  out.push('');
  out.push(t.baseline
    ? `Δ vs ${t.baseline} (nothing frozen): accuracy in points, speed-up = its s/epoch ÷ this s/epoch, memory = change of peak tensor memory.`
    : 'No run freezes nothing, so there is no baseline to compare against (add --freeze 0).');
  out.push('s/epoch and epochs s: training + validation per epoch; wall s: the whole run (engine start, data loading, frozen-prefix cache, epochs).');
  return out.join('\n');
}
