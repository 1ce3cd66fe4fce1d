// What a run's row says: best accuracy, status and progress, freeze, engine and device. Pure, so the
// Runs view, the status bar and the tests agree on one wording.
import type { EpochMetrics, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { describeFreeze } from '../../shared/runs/sweepPlan';
import { slurmRowText } from './slurm/slurmRowText';
import { detectionText } from './yolov5/detectionText';

export interface RowInput {
  record: RunRecord;
  epochs: readonly EpochMetrics[];
  batch?: { epoch: number; done: number; of: number };
  stopping?: boolean;
}

export function bestAccuracy(r: RowInput): number | undefined {
  let best = r.record.bestAccuracy;
  for (const e of r.epochs) {
    // null/NaN: no accuracy that epoch (a YOLOv5 detection run has none).
    const acc = e['val/accuracy'];
    if (typeof acc === 'number' && Number.isFinite(acc) && (best === undefined || acc > best)) best = acc;
  }
  return best;
}

export function epochsDone(r: RowInput): number {
  // metrics.jsonl holds one line per finished epoch, resumed runs included.
  return Math.max(r.record.epochsDone ?? 0, r.epochs.length);
}

export function progressText(r: RowInput): string {
  const status = r.record.status;
  if (r.stopping) return 'stopping…';
  if (status === 'queued') return 'queued';
  if (status === 'running') {
    const n = r.record.epochs;
    if (n === undefined) return 'starting…';
    const current = Math.min(n, epochsDone(r) + 1);
    const batch = r.batch && r.batch.of > 0 ? ` (${Math.floor((100 * r.batch.done) / r.batch.of)}%)` : '';
    return `epoch ${current}/${n}${batch}`;
  }
  const done = epochsDone(r);
  return r.record.epochs !== undefined ? `${status} ${done}/${r.record.epochs}` : status;
}

export function shortDevice(device: string | undefined, max = 28): string | undefined {
  if (!device) return undefined;
  return device.length > max ? device.slice(0, max - 1) + '…' : device;
}

export function formatAccuracy(acc: number): string {
  return `${(acc * 100).toFixed(1)}%`;
}

/** The result first (best accuracy, or a detection run's mAP), then progress, freeze, the
 *  scheduler's view and why it failed; engine and device last: the sidebar cuts a row's end. */
export function rowDescription(r: RowInput, opts: { showFreeze?: boolean } = {}): string {
  const parts: string[] = [];
  const best = bestAccuracy(r);
  if (best !== undefined) parts.push(`best ${formatAccuracy(best)}`);
  const detection = detectionText(r.record, r.epochs);
  if (detection) parts.push(detection);
  parts.push(progressText(r));
  if (opts.showFreeze !== false) parts.push(describeFreeze(r.record.freeze));
  const slurm = slurmRowText(r.record);
  if (slurm) parts.push(slurm);
  // A Slurm job can also stop for a reason worth a line (time limit, cancelled by an admin).
  if ((r.record.status === 'failed' || (slurm && r.record.status === 'stopped')) && r.record.error) parts.push(firstLine(r.record.error));
  if (r.record.engine) parts.push(r.record.device ? `${r.record.engine} · ${shortDevice(r.record.device)}` : r.record.engine);
  return parts.join(' · ');
}

export function firstLine(s: string, max = 80): string {
  const line = s.split('\n')[0];
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

export const STATUS_ICON: Record<RunStatus, { icon: string; color?: string }> = {
  queued: { icon: 'clock' },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  finished: { icon: 'pass', color: 'testing.iconPassed' },
  stopped: { icon: 'debug-stop', color: 'charts.yellow' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
};
