// What a run's summary figures are, named for what they are. The score a run is judged on is its
// classification accuracy, or mAP@0.5 for a detection run (YOLOv5), which has no accuracy: calling
// that "accuracy" would mislead. Memory is compared on the best measure both runs have: GPU memory
// (nvidia-smi), else the training process's peak resident memory (RSS), else TensorFlow.js tensor
// memory, and the comparison says which it used. Pure.
import type { RunRecord } from '../runFolder/contract';
import type { MetricKey } from './series';

export type ScoreMetric = 'accuracy' | 'mAP@0.5';

/** The score of a run: detection runs (`trainer: yolov5`) have mAP@0.5, all others accuracy. */
export function scoreMetricOf(record: Pick<RunRecord, 'trainer'>): ScoreMetric {
  return record.trainer === 'yolov5' ? 'mAP@0.5' : 'accuracy';
}

/** The metrics.jsonl column each score is read from. */
export const SCORE_COLUMN: Record<ScoreMetric, MetricKey> = { accuracy: 'val/accuracy', 'mAP@0.5': 'val/mAP_0.5' };

/** Short names for narrow headers ("best acc", "Δ mAP@0.5"). */
export const SCORE_SHORT: Record<ScoreMetric, string> = { accuracy: 'acc', 'mAP@0.5': 'mAP@0.5' };

/** The one metric of `metrics` when all are the same, else undefined (a mixed table). */
export function uniformMetric(metrics: Iterable<ScoreMetric>): ScoreMetric | undefined {
  let out: ScoreMetric | undefined;
  for (const m of metrics) {
    if (out !== undefined && m !== out) return undefined;
    out = m;
  }
  return out;
}

export type MemoryMeasure = 'gpu' | 'rss' | 'tensors';

/** In order of preference: what the device held, else what the process held, else tensors alone. */
export const MEMORY_MEASURES: readonly MemoryMeasure[] = ['gpu', 'rss', 'tensors'];

export const MEMORY_LABEL: Record<MemoryMeasure, string> = { gpu: 'GPU memory', rss: 'RSS', tensors: 'tensor memory' };
export const MEMORY_SHORT: Record<MemoryMeasure, string> = { gpu: 'GPU', rss: 'RSS', tensors: 'tensors' };
export const MEMORY_DESCRIPTION: Record<MemoryMeasure, string> = {
  gpu: 'peak GPU memory used (nvidia-smi)',
  rss: 'peak resident memory (RSS) of the training process',
  tensors: 'peak TensorFlow.js tensor memory',
};

export interface MemoryPeaks {
  peakGpuMemoryBytes: number | null;
  peakRssBytes: number | null;
  peakTensorBytes: number | null;
}

export function memoryValue(p: MemoryPeaks, m: MemoryMeasure): number | null {
  return m === 'gpu' ? p.peakGpuMemoryBytes : m === 'rss' ? p.peakRssBytes : p.peakTensorBytes;
}

/** The first measure every one of `peaks` has (ignoring those with none at all); null when none is shared. */
export function sharedMemoryMeasure(peaks: readonly MemoryPeaks[]): MemoryMeasure | null {
  const measured = peaks.filter((p) => MEMORY_MEASURES.some((m) => memoryValue(p, m) !== null));
  if (measured.length === 0) return null;
  return MEMORY_MEASURES.find((m) => measured.every((p) => memoryValue(p, m) !== null)) ?? null;
}

/** Whether a run's `device_memory_bytes` is GPU memory, or the process's peak RSS sampled on the CPU. */
export function deviceMemoryKind(record: Pick<RunRecord, 'deviceSource'>): 'gpu' | 'rss' | undefined {
  return record.deviceSource === 'nvidia-smi' ? 'gpu' : record.deviceSource === 'cpu' ? 'rss' : undefined;
}
