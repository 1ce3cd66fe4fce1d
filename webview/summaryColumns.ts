// The summary table's columns: what each cell shows and what its header says. The score columns are
// named after the metric the runs have (accuracy, or mAP@0.5 for YOLOv5 runs; each cell names it
// when the table mixes both), and memory has one column per measure, so a figure is never shown
// under another's name.
import { formatBytes, formatCount, formatDuration, formatNumber, formatPercent } from '../src/shared/panel/format';
import type { ScoreMetric } from '../src/shared/panel/measures';
import { freezeCell } from '../src/shared/panel/scheduleText';
import { formatDelta, type RunSummary, type SummaryDelta } from '../src/shared/panel/summary';

export interface CellContext {
  delta: SummaryDelta | undefined;
  /** The run is its group's baseline; `chosen` when the user picked it. */
  baseline: 'chosen' | 'default' | undefined;
  /** The one metric of every row, or undefined when the table mixes accuracy and mAP@0.5. */
  metric: ScoreMetric | undefined;
}

export interface Column {
  header(metric: ScoreMetric | undefined): string;
  /** Screen-reader/tooltip header text. */
  title?(metric: ScoreMetric | undefined): string;
  numeric?: boolean;
  cell(r: RunSummary, c: CellContext): string;
}

const fixed = (text: string) => () => text;

function score(v: number | null, r: RunSummary, c: CellContext): string {
  return v === null ? '–' : `${formatPercent(v)}${c.metric ? '' : ` ${r.metric}`}`;
}

/** " acc.", " mAP@0.5", or nothing for a mixed table. */
function headerMetric(m: ScoreMetric | undefined): string {
  return m === undefined ? '' : m === 'accuracy' ? ' acc.' : ' mAP@0.5';
}

function scoreName(metric: ScoreMetric | undefined): string {
  return metric === undefined
    ? 'validation accuracy or mAP@0.5 (as each cell says)'
    : metric === 'accuracy'
      ? 'validation accuracy'
      : 'validation mAP@0.5';
}

export const COLUMNS: Column[] = [
  {
    header: fixed('Freeze'),
    title: () => 'What the run froze: its freeze value, or how its freeze changed during training (schedule, fine_tune)',
    cell: (r) => freezeCell(r),
  },
  {
    header: fixed('vs baseline'),
    title: () => "Best score, time per epoch and peak memory against the group's baseline run (named in the group's heading)",
    cell: (_r, c) =>
      c.baseline === 'chosen' ? 'baseline (your choice)' : c.baseline ? 'baseline' : c.delta ? formatDelta(c.delta) || '–' : '–',
  },
  {
    header: (m) => `Best${headerMetric(m)}`,
    title: (m) => `Best ${scoreName(m)} (epoch)`,
    numeric: true,
    cell: (r, c) => (r.best === null ? '–' : `${score(r.best, r, c)}${r.bestEpoch !== null ? ` (${r.bestEpoch})` : ''}`),
  },
  {
    header: (m) => `Final${headerMetric(m)}`,
    title: (m) => `${scoreName(m)} of the last epoch`,
    numeric: true,
    cell: (r, c) => score(r.final, r, c),
  },
  { header: fixed('Per epoch'), title: () => 'Mean time per epoch', numeric: true, cell: (r) => formatDuration(r.secondsPerEpoch) },
  {
    header: fixed('Peak GPU'),
    title: () => 'Peak GPU memory used (nvidia-smi)',
    numeric: true,
    cell: (r) => formatBytes(r.peakGpuMemoryBytes),
  },
  {
    header: fixed('Peak RSS'),
    title: () => 'Peak resident memory of the training process',
    numeric: true,
    cell: (r) => formatBytes(r.peakRssBytes),
  },
  {
    header: fixed('Peak tensors'),
    title: () => 'Peak TensorFlow.js tensor memory',
    numeric: true,
    cell: (r) => formatBytes(r.peakTensorBytes),
  },
  {
    header: fixed('Trainable'),
    title: () => 'Trainable parameters (share of all parameters)',
    numeric: true,
    cell: (r) =>
      r.trainableParams === null
        ? '–'
        : `${formatCount(r.trainableParams)}${r.totalParams ? ` (${formatPercent(r.trainableParams / r.totalParams, 0)})` : ''}`,
  },
  { header: fixed('Epochs'), numeric: true, cell: (r) => (r.epochsPlanned ? `${r.epochs}/${r.epochsPlanned}` : String(r.epochs)) },
  { header: fixed('Time'), title: () => 'Total training time', numeric: true, cell: (r) => formatDuration(r.totalSeconds) },
  { header: fixed('Images/s'), numeric: true, cell: (r) => formatNumber(r.meanImagesPerSecond) },
  { header: fixed('Status'), cell: (r) => r.status },
];
