// One YOLOv5 results.csv row as an EpochMetrics line of our run folder, with what YOLOv5 does not
// record added from our own measurements (epoch wall time, process memory, GPU use). Values that do
// not exist for a YOLOv5 run stay NaN (null in metrics.jsonl: a gap in a chart, never a made-up 0).
// Pure.
import type { EpochMetrics } from '../../shared/runFolder/contract';
import type { ResultsRow } from './resultsCsv';

export interface EpochMeasurements {
  /** Wall-clock seconds of the epoch (train + val), measured by the adapter. */
  seconds: number;
  /** ISO time the row was seen. */
  time: string;
  /** Peak resident memory of the train.py process during the epoch. */
  rssBytes?: number;
  /** Mean GPU utilisation % and peak GPU memory used during the epoch (nvidia-smi). */
  deviceUtil?: number;
  deviceMemoryBytes?: number;
}

function num(row: ResultsRow, key: string): number {
  const v = row[key];
  return typeof v === 'number' ? v : NaN;
}

/** Sum of the columns present; NaN when none is, or one of them is nan. */
function sum(row: ResultsRow, keys: readonly string[]): number {
  const present = keys.filter((k) => k in row);
  if (present.length === 0) return NaN;
  return present.reduce((acc, k) => acc + num(row, k), 0);
}

/** Our 1-based epoch for YOLOv5's 0-based one. */
export function epochNumber(row: ResultsRow): number {
  return (row.epoch ?? 0) + 1;
}

/**
 * `train/loss` and `val/loss` are YOLOv5's total loss per image (box + obj + cls, the sum it trains
 * on); `lr` is its first parameter group's (x/lr0); the detection metrics get explicit fields.
 */
export function epochMetricsFromRow(row: ResultsRow, m: EpochMeasurements): EpochMetrics {
  const out: EpochMetrics = {
    epoch: epochNumber(row),
    'train/loss': sum(row, ['train/box_loss', 'train/obj_loss', 'train/cls_loss']),
    'val/loss': sum(row, ['val/box_loss', 'val/obj_loss', 'val/cls_loss']),
    // Detection has no classification accuracy; mAP is in its own fields.
    'val/accuracy': NaN,
    lr: num(row, 'x/lr0'),
    epoch_seconds: m.seconds,
    // YOLOv5 does not report how many images an epoch saw.
    images_per_second: NaN,
    // TensorFlow.js tensors do not exist in a PyTorch process.
    tensor_bytes: NaN,
    rss_bytes: m.rssBytes ?? NaN,
    time: m.time,
  };
  const map: Array<[keyof EpochMetrics, string]> = [
    ['val/precision', 'metrics/precision'],
    ['val/recall', 'metrics/recall'],
    ['val/mAP_0.5', 'metrics/mAP_0.5'],
    ['val/mAP_0.5:0.95', 'metrics/mAP_0.5:0.95'],
  ];
  for (const [ours, theirs] of map) if (theirs in row) (out as unknown as Record<string, number>)[ours] = num(row, theirs);
  if (m.deviceUtil !== undefined) out.device_util = m.deviceUtil;
  if (m.deviceMemoryBytes !== undefined) out.device_memory_bytes = m.deviceMemoryBytes;
  out.yolov5 = { ...row };
  return out;
}

/** The epoch line of the run log: what YOLOv5 measured and what we added. */
export function describeYolov5Epoch(e: EpochMetrics, epochs?: number): string {
  const f = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
  const parts = [
    `epoch ${e.epoch}${epochs ? `/${epochs}` : ''}: mAP_0.5 ${f(e['val/mAP_0.5'])}, mAP_0.5:0.95 ${f(e['val/mAP_0.5:0.95'])}`,
    `P ${f(e['val/precision'])}, R ${f(e['val/recall'])}`,
    `train/loss ${f(e['train/loss'])}, val/loss ${f(e['val/loss'])}`,
    `${f(e.epoch_seconds, 1)} s`,
  ];
  if (e.device_util !== undefined) parts.push(`GPU ${Math.round(e.device_util)}%`);
  if (e.device_memory_bytes !== undefined) parts.push(`GPU memory ${(e.device_memory_bytes / 2 ** 30).toFixed(2)} GiB`);
  return parts.join(', ');
}
