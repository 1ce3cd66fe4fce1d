// The summary table under the charts: one row per run (what was frozen, what it cost, what it
// reached) and its difference to a baseline run, as the YOLOv5 freezing guide compares them.
import type { RunRecord, RunStatus } from '../runs/contract';
import type { SeriesColumns, Value } from './series';

export interface RunSummary {
  run: string;
  status: RunStatus;
  freeze: number | Array<number | string>;
  trainableParams: number | null;
  totalParams: number | null;
  /** Epochs recorded in metrics.jsonl (planned: `epochsPlanned`). */
  epochs: number;
  epochsPlanned: number | null;
  bestAccuracy: number | null;
  bestEpoch: number | null;
  finalAccuracy: number | null;
  /** Sum of the epochs' wall-clock seconds (train + val). */
  totalSeconds: number | null;
  /** Mean wall-clock seconds of an epoch. */
  secondsPerEpoch: number | null;
  meanImagesPerSecond: number | null;
  /** Peak tfjs tensor memory: the larger of `peak_tensor_bytes` and `tensor_bytes` over epochs. */
  peakTensorBytes: number | null;
  peakRssBytes: number | null;
  peakDeviceMemoryBytes: number | null;
}

/**
 * Builds a RunSummary from a run's columns, point by point, so live appends only add the new
 * points (`add(cols)` continues where the previous call stopped).
 */
export class RunSummaryBuilder {
  private n = 0;
  private best: number | null = null;
  private bestEpoch: number | null = null;
  private final: number | null = null;
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
      // Detection runs (YOLOv5) are compared on mAP@0.5, their accuracy measure.
      const acc = v['val/accuracy'][i] ?? v['val/mAP_0.5'][i];
      if (acc !== null) {
        if (this.best === null || acc > this.best) {
          this.best = acc;
          this.bestEpoch = cols.epoch[i];
        }
        this.final = acc;
      }
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
    return {
      run: record.name,
      status: record.status,
      freeze: record.freeze,
      trainableParams: record.trainableParams ?? null,
      totalParams: record.totalParams ?? null,
      epochs: this.n,
      epochsPlanned: record.epochs ?? null,
      // Before the first epoch line arrives, run.json may already know the best accuracy.
      bestAccuracy: this.best ?? record.bestAccuracy ?? null,
      bestEpoch: this.bestEpoch,
      finalAccuracy: this.final,
      totalSeconds: this.total,
      secondsPerEpoch: this.secsN && this.total !== null ? this.total / this.secsN : null,
      meanImagesPerSecond: this.ipsN ? this.ipsSum / this.ipsN : null,
      peakTensorBytes: this.peakTensor,
      peakRssBytes: this.peakRss,
      peakDeviceMemoryBytes: this.peakDevice,
    };
  }
}

export function summarizeRun(record: RunRecord, cols: SeriesColumns): RunSummary {
  return new RunSummaryBuilder().add(cols).result(record);
}

/** "0", "10", "[0, 3, model.4.bn]" */
export function formatFreeze(f: number | Array<number | string>): string {
  return typeof f === 'number' ? String(f) : `[${f.join(', ')}]`;
}

/** Nothing frozen: `freeze: 0` or an empty list. */
export function freezesNothing(f: number | Array<number | string>): boolean {
  return typeof f === 'number' ? f === 0 : f.length === 0;
}

/**
 * The run to compare against when the user has not picked one: the first run that freezes nothing,
 * preferring a finished one. Undefined when no run freezes nothing.
 */
export function defaultBaseline(records: readonly Pick<RunRecord, 'name' | 'freeze' | 'status'>[]): string | undefined {
  const unfrozen = records.filter((r) => freezesNothing(r.freeze));
  return (unfrozen.find((r) => r.status === 'finished') ?? unfrozen[0])?.name;
}

export interface SummaryDelta {
  /** Best accuracy difference in percentage points (run − baseline). */
  accuracyPt: number | null;
  /** Baseline seconds per epoch / run seconds per epoch: 2.8 means 2.8x faster. */
  speedup: number | null;
  /** Peak tensor memory change in percent of the baseline's: −41 means 41% less. */
  memoryPct: number | null;
}

export function compareToBaseline(row: RunSummary, base: RunSummary): SummaryDelta {
  const accuracyPt = row.bestAccuracy !== null && base.bestAccuracy !== null ? (row.bestAccuracy - base.bestAccuracy) * 100 : null;
  const speedup = row.secondsPerEpoch !== null && base.secondsPerEpoch !== null && row.secondsPerEpoch > 0 ? base.secondsPerEpoch / row.secondsPerEpoch : null;
  const memoryPct = row.peakTensorBytes !== null && base.peakTensorBytes !== null && base.peakTensorBytes > 0 ? ((row.peakTensorBytes - base.peakTensorBytes) / base.peakTensorBytes) * 100 : null;
  return { accuracyPt, speedup, memoryPct };
}

function signed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  // "-0.0" reads as a loss; no change is "+0.0".
  return Number(s) === 0 ? `+${(0).toFixed(digits)}` : v > 0 ? `+${s}` : s;
}

/** "-1.2 pt accuracy, 2.8x faster, -41% memory"; parts without data are left out. */
export function formatDelta(d: SummaryDelta): string {
  const parts: string[] = [];
  if (d.accuracyPt !== null) parts.push(`${signed(d.accuracyPt, 1)} pt accuracy`);
  if (d.speedup !== null && Number.isFinite(d.speedup) && d.speedup > 0) {
    parts.push(d.speedup >= 1 ? `${d.speedup.toFixed(1)}x faster` : `${(1 / d.speedup).toFixed(1)}x slower`);
  }
  if (d.memoryPct !== null) parts.push(`${signed(d.memoryPct, 0)}% memory`);
  return parts.join(', ');
}

export interface SummaryTable {
  rows: RunSummary[];
  baseline: string | undefined;
  /** Per run: its delta to the baseline (absent for the baseline itself and when there is none). */
  deltas: Map<string, SummaryDelta>;
}

/** Rows for `runs` in order, with deltas against `baseline` (or the default baseline). */
export function buildSummary(runs: ReadonlyArray<{ record: RunRecord; cols: SeriesColumns }>, baseline?: string): SummaryTable {
  const rows = runs.map((r) => summarizeRun(r.record, r.cols));
  const chosen = baseline !== undefined && rows.some((r) => r.run === baseline) ? baseline : defaultBaseline(runs.map((r) => r.record));
  const base = rows.find((r) => r.run === chosen);
  const deltas = new Map<string, SummaryDelta>();
  if (base) for (const r of rows) if (r !== base) deltas.set(r.run, compareToBaseline(r, base));
  return { rows, baseline: base?.run, deltas };
}
