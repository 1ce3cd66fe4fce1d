// The panel's charts: one per quantity, every run overlaid, the run's colour on each of its lines and
// the line's dash telling the metrics of one chart apart (train loss dashed, val loss solid).
import { formatBytes, formatDuration, formatNumber } from '../src/shared/panel/format';
import type { MetricKey, XAxisMode } from '../src/shared/panel/series';

export type ChartId = 'accuracy' | 'loss' | 'lr' | 'epochTime' | 'throughput' | 'memory' | 'device';

export type ChartUnit = 'fraction' | 'plain' | 'seconds' | 'bytes' | 'percent';

export interface ChartLine {
  key: MetricKey;
  label: string;
  /** Canvas/SVG dash pattern; absent: solid. */
  dash?: number[];
  /** Drawn per training step where the run recorded them (`lr_steps`: phaseMarkers.ts lrTrack); a
   *  chart with such a line has no other line. */
  steps?: boolean;
}

export interface ChartDef {
  id: ChartId;
  title: string;
  unit: ChartUnit;
  lines: ChartLine[];
  /** Shown instead of the chart when no run has any of its metrics. */
  empty: string;
  /** Always a log y axis (learning rates span decades), whatever the page's log setting. */
  logY?: boolean;
}

export const CHARTS: readonly ChartDef[] = [
  {
    id: 'accuracy',
    title: 'Validation accuracy (detection runs: mAP)',
    unit: 'fraction',
    lines: [
      { key: 'val/accuracy', label: 'top-1' },
      { key: 'val/top5', label: 'top-5', dash: [2, 3] },
      // YOLOv5 runs have no classification accuracy: their mAPs are the accuracy charts.
      { key: 'val/mAP_0.5', label: 'mAP@0.5' },
      { key: 'val/mAP_0.5:0.95', label: 'mAP@0.5:0.95', dash: [6, 4] },
    ],
    empty: 'No validation accuracy recorded yet.',
  },
  {
    id: 'loss',
    title: 'Loss (val solid, train dashed)',
    unit: 'plain',
    lines: [
      { key: 'val/loss', label: 'val' },
      { key: 'train/loss', label: 'train', dash: [6, 4] },
    ],
    empty: 'No loss recorded yet.',
  },
  {
    id: 'lr',
    title: 'Learning rate (base rate, per step where recorded; log scale)',
    unit: 'plain',
    logY: true,
    lines: [{ key: 'lr', label: 'lr', steps: true }],
    empty: 'No learning rate recorded yet.',
  },
  {
    id: 'epochTime',
    title: 'Seconds per epoch',
    unit: 'seconds',
    lines: [{ key: 'epoch_seconds', label: 's/epoch' }],
    empty: 'No epoch times recorded yet.',
  },
  {
    id: 'throughput',
    title: 'Images per second',
    unit: 'plain',
    lines: [{ key: 'images_per_second', label: 'img/s' }],
    empty: 'No throughput recorded yet.',
  },
  {
    id: 'memory',
    title: 'Memory (tensors solid, RSS dashed, device dotted)',
    unit: 'bytes',
    lines: [
      { key: 'tensor_bytes', label: 'tensors' },
      { key: 'rss_bytes', label: 'RSS', dash: [6, 4] },
      { key: 'device_memory_bytes', label: 'device', dash: [2, 3] },
    ],
    empty: 'No memory recorded yet.',
  },
  {
    id: 'device',
    title: 'Device utilisation',
    unit: 'percent',
    lines: [{ key: 'device_util', label: 'util' }],
    empty: 'No device utilisation recorded (the trainer samples nvidia-smi when a GPU is present).',
  },
];

export const CHART_IDS: readonly ChartId[] = CHARTS.map((c) => c.id);

export function chartById(id: ChartId): ChartDef {
  return CHARTS.find((c) => c.id === id)!;
}

/** A y value as the chart's axis and legend show it. */
export function formatY(unit: ChartUnit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'fraction':
      return `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1)}%`;
    case 'seconds':
      return formatDuration(v);
    case 'bytes':
      return formatBytes(v);
    case 'percent':
      return `${v.toFixed(0)}%`;
    case 'plain':
      return formatNumber(v);
  }
}

/** An x value: epoch number, local time of day (wall), or elapsed time (relative). */
export function formatX(mode: XAxisMode, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (mode) {
    case 'epoch':
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
    case 'wall': {
      const d = new Date(v * 1000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }
    case 'relative':
      return formatDuration(v);
  }
}

/** Round steps for time axes, in seconds: 1 s … 1 day. */
export const DURATION_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Tick values at a round duration step, about `count` of them, covering [min, max] (seconds). */
export function durationTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / Math.max(1, count);
  const step = DURATION_INCRS.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) out.push(v);
  return out;
}

export const X_AXIS_LABELS: Record<XAxisMode, string> = { epoch: 'Epoch', wall: 'Wall time', relative: 'Relative time' };
