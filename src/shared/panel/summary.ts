// The summary table under the charts: one row per run (what was frozen, what it cost, what it
// reached) and its difference to a baseline run, as the YOLOv5 freezing guide compares them. Which
// runs are compared with which baseline is comparability.ts's; what each figure is, measures.ts's.
import type { RunRecord, RunStatus } from '../runFolder/contract';
import { groupForComparison, type ComparisonGroup } from './comparability';
import {
  deviceMemoryKind,
  MEMORY_LABEL,
  memoryValue,
  scoreMetricOf,
  sharedMemoryMeasure,
  type MemoryMeasure,
  type ScoreMetric,
} from './measures';
import type { SeriesColumns, Value } from './series';
import { scheduleText } from './scheduleText';

export interface RunSummary {
  run: string;
  status: RunStatus;
  freeze: number | Array<number | string>;
  /** The run's freeze schedule as text (scheduleText.ts); null when one freeze held throughout. */
  schedule: string | null;
  trainableParams: number | null;
  totalParams: number | null;
  /** Epochs recorded in metrics.jsonl (planned: `epochsPlanned`). */
  epochs: number;
  epochsPlanned: number | null;
  /** What `best` and `final` are: validation accuracy, or mAP@0.5 for a detection run. */
  metric: ScoreMetric;
  best: number | null;
  bestEpoch: number | null;
  final: number | null;
  /** Sum of the epochs' wall-clock seconds (train + val). */
  totalSeconds: number | null;
  /** Mean wall-clock seconds of an epoch. */
  secondsPerEpoch: number | null;
  meanImagesPerSecond: number | null;
  /** Peak tfjs tensor memory: the larger of `peak_tensor_bytes` and `tensor_bytes` over epochs. */
  peakTensorBytes: number | null;
  /** Peak resident memory of the training process: `rss_bytes`, and the peak sampled during an
   *  epoch where the run's device figures came from the CPU. */
  peakRssBytes: number | null;
  /** Peak GPU memory used (nvidia-smi); null unless the run says its device memory is the GPU's. */
  peakGpuMemoryBytes: number | null;
}

/** Best (and when) and last value of one score column. */
class ScoreTrack {
  best: number | null = null;
  bestEpoch: number | null = null;
  final: number | null = null;

  add(v: Value | undefined, epoch: number): void {
    if (v === null || v === undefined) return;
    if (this.best === null || v > this.best) {
      this.best = v;
      this.bestEpoch = epoch;
    }
    this.final = v;
  }
}

/**
 * Builds a RunSummary from a run's columns, point by point, so live appends only add the new
 * points (`add(cols)` continues where the previous call stopped).
 */
export class RunSummaryBuilder {
  private n = 0;
  // Both scores are followed; the record says which one the run is judged on.
  private readonly accuracy = new ScoreTrack();
  private readonly map50 = new ScoreTrack();
  private total: number | null = null;
  private secsN = 0;
  private ipsSum = 0;
  private ipsN = 0;
  private peakTensor: number | null = null;
  private peakRss: number | null = null;
  private peakDevice: number | null = null;

  /** Points already added. */
  get count(): number {
    return this.n;
  }

  add(cols: SeriesColumns): this {
    const v = cols.values;
    const max = (a: number | null, b: Value | undefined) => (b !== null && b !== undefined && (a === null || b > a) ? b : a);
    for (let i = this.n; i < cols.epoch.length; i++) {
      this.accuracy.add(v['val/accuracy'][i], cols.epoch[i]);
      this.map50.add(v['val/mAP_0.5'][i], cols.epoch[i]);
      const secs = v.epoch_seconds[i];
      if (secs !== null) {
        this.total = (this.total ?? 0) + secs;
        this.secsN++;
      }
      const ips = v.images_per_second[i];
      if (ips !== null) {
        this.ipsSum += ips;
        this.ipsN++;
      }
      this.peakTensor = max(max(this.peakTensor, v.tensor_bytes[i]), v.peak_tensor_bytes[i]);
      this.peakRss = max(this.peakRss, v.rss_bytes[i]);
      this.peakDevice = max(this.peakDevice, v.device_memory_bytes[i]);
    }
    this.n = cols.epoch.length;
    return this;
  }

  result(record: RunRecord): RunSummary {
    const metric = scoreMetricOf(record);
    const score = metric === 'accuracy' ? this.accuracy : this.map50;
    const device = deviceMemoryKind(record);
    return {
      run: record.name,
      status: record.status,
      freeze: record.freeze,
      schedule: scheduleText(record),
      trainableParams: record.trainableParams ?? null,
      totalParams: record.totalParams ?? null,
      epochs: this.n,
      epochsPlanned: record.epochs ?? null,
      metric,
      // Before the first epoch line arrives, run.json may already know the best value.
      best: score.best ?? (metric === 'accuracy' ? record.bestAccuracy : record.bestMap50) ?? null,
      bestEpoch: score.bestEpoch,
      final: score.final,
      totalSeconds: this.total,
      secondsPerEpoch: this.secsN && this.total !== null ? this.total / this.secsN : null,
      meanImagesPerSecond: this.ipsN ? this.ipsSum / this.ipsN : null,
      peakTensorBytes: this.peakTensor,
      peakRssBytes:
        device === 'rss' && this.peakDevice !== null && (this.peakRss === null || this.peakDevice > this.peakRss)
          ? this.peakDevice
          : this.peakRss,
      peakGpuMemoryBytes: device === 'gpu' ? this.peakDevice : null,
    };
  }
}

export function summarizeRun(record: RunRecord, cols: SeriesColumns): RunSummary {
  return new RunSummaryBuilder().add(cols).result(record);
}

export interface SummaryDelta {
  /** The score both runs have (deltas are only computed between runs of one metric). */
  metric: ScoreMetric;
  /** Best score difference in percentage points (run − baseline). */
  scorePt: number | null;
  /** Baseline seconds per epoch / run seconds per epoch: 2.8 means 2.8x faster. */
  speedup: number | null;
  /** Which memory both runs were measured with (measures.ts), and the run's peak change in
   *  percent of the baseline's: −41 means 41% less. */
  memory: MemoryMeasure | null;
  memoryPct: number | null;
}

export function compareToBaseline(row: RunSummary, base: RunSummary): SummaryDelta {
  const scorePt = row.metric === base.metric && row.best !== null && base.best !== null ? (row.best - base.best) * 100 : null;
  const speedup =
    row.secondsPerEpoch !== null && base.secondsPerEpoch !== null && row.secondsPerEpoch > 0
      ? base.secondsPerEpoch / row.secondsPerEpoch
      : null;
  const memory = sharedMemoryMeasure([row, base]);
  const a = memory === null ? null : memoryValue(row, memory);
  const b = memory === null ? null : memoryValue(base, memory);
  const memoryPct = a !== null && b !== null && b > 0 ? ((a - b) / b) * 100 : null;
  return { metric: row.metric, scorePt, speedup, memory: memoryPct === null ? null : memory, memoryPct };
}

function signed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  // "-0.0" reads as a loss; no change is "+0.0".
  return Number(s) === 0 ? `+${(0).toFixed(digits)}` : v > 0 ? `+${s}` : s;
}

/** "-1.2 pt accuracy, 2.8x faster, -41% tensor memory"; parts without data are left out. */
export function formatDelta(d: SummaryDelta): string {
  const parts: string[] = [];
  if (d.scorePt !== null) parts.push(`${signed(d.scorePt, 1)} pt ${d.metric}`);
  if (d.speedup !== null && Number.isFinite(d.speedup) && d.speedup > 0) {
    parts.push(d.speedup >= 1 ? `${d.speedup.toFixed(1)}x faster` : `${(1 / d.speedup).toFixed(1)}x slower`);
  }
  if (d.memoryPct !== null && d.memory !== null) parts.push(`${signed(d.memoryPct, 0)}% ${MEMORY_LABEL[d.memory]}`);
  return parts.join(', ');
}

export interface SummaryTable {
  /** In display order: group by group (see `groups`), each group's runs together. */
  rows: RunSummary[];
  groups: ComparisonGroup[];
  /** Per run: the baseline its delta is against (absent for runs without one). */
  baselineOf: Map<string, string>;
  /** Per run: its delta to its baseline (absent for a baseline itself and runs without one). */
  deltas: Map<string, SummaryDelta>;
  /** The user's pick when it names a run of the table. */
  chosen: string | undefined;
}

/** Whether `run` is the baseline of some group of the table. */
export function isBaseline(table: Pick<SummaryTable, 'groups'>, run: string): boolean {
  return table.groups.some((g) => g.baseline === run);
}

/** Groups, order, baselines and deltas for summaries already built (the webview builds them incrementally). */
export function tabulate(runs: ReadonlyArray<{ record: RunRecord; summary: RunSummary }>, chosen?: string): SummaryTable {
  const byName = new Map(runs.map((r) => [r.record.name, r.summary]));
  const groups = groupForComparison(
    runs.map((r) => r.record),
    chosen,
  );
  const rows: RunSummary[] = [];
  const baselineOf = new Map<string, string>();
  const deltas = new Map<string, SummaryDelta>();
  for (const g of groups) {
    const base = g.baseline === undefined ? undefined : byName.get(g.baseline);
    for (const name of g.runs) {
      const row = byName.get(name)!;
      rows.push(row);
      if (!base || name === base.run) continue;
      baselineOf.set(name, base.run);
      deltas.set(name, compareToBaseline(row, base));
    }
  }
  return { rows, groups, baselineOf, deltas, chosen: chosen !== undefined && byName.has(chosen) ? chosen : undefined };
}

/** The summary of `runs`, with deltas against each group's baseline (or the user's `baseline`). */
export function buildSummary(runs: ReadonlyArray<{ record: RunRecord; cols: SeriesColumns }>, baseline?: string): SummaryTable {
  return tabulate(
    runs.map((r) => ({ record: r.record, summary: summarizeRun(r.record, r.cols) })),
    baseline,
  );
}
