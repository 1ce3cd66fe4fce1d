// CSV exports (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, a
// quote or a line break). Numbers keep full precision; missing values are empty cells.
import { METRIC_KEYS, type SeriesColumns } from '../src/shared/panel/series';
import { groupTitle } from './groupText';
import { freezeCell } from '../src/shared/panel/scheduleText';
import { formatDelta, isBaseline, type SummaryTable } from '../src/shared/panel/summary';

type Cell = string | number | null | undefined;

export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',');
}

const SUMMARY_HEADER = [
  'run',
  'status',
  'freeze',
  'group',
  'trainable_params',
  'total_params',
  'epochs',
  'epochs_planned',
  'metric',
  'best',
  'best_epoch',
  'final',
  'total_seconds',
  'seconds_per_epoch',
  'mean_images_per_second',
  'peak_tensor_bytes',
  'peak_rss_bytes',
  'peak_gpu_memory_bytes',
  'baseline',
  'metric_delta_pt',
  'speedup',
  'memory_measure',
  'memory_change_pct',
  'vs_baseline',
];

/** The summary table, one row per run (in the table's order), with its deltas to its baseline.
 *  `metric` says what best/final are (accuracy, or mAP@0.5 for detection runs). */
export function summaryToCsv(table: SummaryTable): string {
  const lines = [csvLine(SUMMARY_HEADER)];
  const groupOf = new Map(table.groups.flatMap((g) => g.runs.map((r) => [r, g] as const)));
  for (const r of table.rows) {
    const d = table.deltas.get(r.run);
    const g = groupOf.get(r.run);
    lines.push(
      csvLine([
        r.run,
        r.status,
        freezeCell(r),
        g ? groupTitle(g) : '',
        r.trainableParams,
        r.totalParams,
        r.epochs,
        r.epochsPlanned,
        r.metric,
        r.best,
        r.bestEpoch,
        r.final,
        r.totalSeconds,
        r.secondsPerEpoch,
        r.meanImagesPerSecond,
        r.peakTensorBytes,
        r.peakRssBytes,
        r.peakGpuMemoryBytes,
        table.baselineOf.get(r.run) ?? '',
        d?.scorePt,
        d?.speedup,
        d?.memory,
        d?.memoryPct,
        isBaseline(table, r.run) ? 'baseline' : d ? formatDelta(d) : '',
      ]),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Every epoch of every run in long ("tidy") form: run, epoch, time, then one column per metric. */
export function seriesToCsv(runs: ReadonlyArray<{ name: string; cols: SeriesColumns }>): string {
  const lines = [csvLine(['run', 'epoch', 'time', ...METRIC_KEYS])];
  for (const { name, cols } of runs) {
    for (let i = 0; i < cols.epoch.length; i++) {
      const t = cols.time[i];
      const row: Cell[] = [name, cols.epoch[i], t === null ? null : new Date(t).toISOString()];
      for (const k of METRIC_KEYS) row.push(cols.values[k][i]);
      lines.push(csvLine(row));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
