// A YOLOv5 run's row shows its best mAP (a detection run has no classification accuracy): the best
// over the epochs read so far, or run.json's when metrics.jsonl is not read yet. Pure.
import type { EpochMetrics, RunRecord } from '../../../shared/runFolder/contract';

export interface BestDetection {
  map50?: number;
  map50_95?: number;
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined || !Number.isFinite(b)) return a;
  return a === undefined || b > a ? b : a;
}

export function bestDetection(record: Pick<RunRecord, 'bestMap50' | 'bestMap50_95'>, epochs: readonly EpochMetrics[]): BestDetection {
  let map50 = record.bestMap50;
  let map50_95 = record.bestMap50_95;
  for (const e of epochs) {
    map50 = max(map50, e['val/mAP_0.5'] ?? undefined);
    map50_95 = max(map50_95, e['val/mAP_0.5:0.95'] ?? undefined);
  }
  return { ...(map50 !== undefined ? { map50 } : {}), ...(map50_95 !== undefined ? { map50_95 } : {}) };
}

/** `best mAP50-95 23.0% · mAP50 42.0%`, or undefined for a run without detection metrics. */
export function detectionText(record: Pick<RunRecord, 'bestMap50' | 'bestMap50_95'>, epochs: readonly EpochMetrics[]): string | undefined {
  const b = bestDetection(record, epochs);
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const parts: string[] = [];
  if (b.map50_95 !== undefined) parts.push(`best mAP50-95 ${pct(b.map50_95)}`);
  if (b.map50 !== undefined) parts.push(`mAP50 ${pct(b.map50)}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
