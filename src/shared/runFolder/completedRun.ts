// A run killed after its last epoch was trained and checkpointed, but before run.json said
// `finished` (between weights/last and epochsDone, or between epochsDone and the status), holds the
// whole run: `train --resume` and the editor reattaching settle it as finished instead of failing it
// or asking for more epochs. Pure Node, no tfjs: the extension host uses it too.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE, type RunRecord } from './contract';
import { readMetrics } from './metricsTail';
import { readableFolderAsync } from './readRecord';

/**
 * The file of a weights folder that names its epoch: a tfjs model.json, or a torchvision run's
 * torchvision.json (src/trainer/torchvision/checkpoint.ts), which keeps the metadata under the same key.
 */
export const CHECKPOINT_FILES = ['model.json', 'torchvision.json'] as const;

/** The epoch a weights folder's model.json (or torchvision.json) holds (Transfer Lab's `userDefinedMetadata.transferLab.epoch`). */
export function checkpointEpoch(modelJson: string): number | undefined {
  try {
    const meta = (JSON.parse(modelJson) as { userDefinedMetadata?: { transferLab?: { epoch?: unknown } } }).userDefinedMetadata
      ?.transferLab;
    return typeof meta?.epoch === 'number' ? meta.epoch : undefined;
  } catch {
    return undefined;
  }
}

/** weights/last (or the `.old` copy an interrupted replacement leaves): its epoch and when it was written. */
async function lastCheckpoint(dir: string): Promise<{ epoch: number; writtenAt: Date } | undefined> {
  const folder = await readableFolderAsync(path.join(dir, 'weights', 'last'));
  if (folder === undefined) return undefined;
  for (const name of CHECKPOINT_FILES) {
    const file = path.join(folder, name);
    let text: string;
    let written: Date;
    try {
      [text, written] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtime)]);
    } catch {
      continue;
    }
    const epoch = checkpointEpoch(text);
    return epoch === undefined ? undefined : { epoch, writtenAt: written };
  }
  return undefined;
}

/**
 * The finished record of a built-in trainer's run whose weights/last holds its last epoch although
 * run.json does not say finished; undefined for every other run. The trainer writes weights/best
 * before weights/last, so that checkpoint means the whole run is on disk. bestAccuracy comes from
 * metrics.jsonl, endedAt is when the last checkpoint was written.
 */
export async function completedRecord(dir: string, record: RunRecord): Promise<RunRecord | undefined> {
  // Any other status: running (killed), failed (so marked by a window that found it dead), queued
  // (queued again to resume it). YOLOv5's train.py does more after its last epoch (final
  // validation, stripping the optimizer), so its runs are left as they are.
  if (record.status === 'finished' || record.trainer !== undefined || !record.epochs) return undefined;
  const last = await lastCheckpoint(dir);
  if (!last || last.epoch < record.epochs) return undefined;
  const { epochs } = await readMetrics(path.join(dir, METRICS_FILE)).catch(() => ({ epochs: [] }));
  const accuracies = epochs
    .filter((m) => m.epoch <= last.epoch)
    .map((m) => m['val/accuracy'])
    .filter((a) => Number.isFinite(a));
  const done: RunRecord = { ...record, status: 'finished', epochsDone: last.epoch, endedAt: last.writtenAt.toISOString() };
  if (accuracies.length) done.bestAccuracy = Math.max(...accuracies);
  delete done.error;
  return done;
}
