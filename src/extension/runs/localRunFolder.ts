// What a local run's folder holds, for starting and resuming it: whether it has a checkpoint to
// resume from, and whether it holds only the queued run.json this host wrote (nothing trained).
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CHECKPOINT_FILES } from '../../shared/runFolder/completedRun';
import { hasYolov5Checkpoint } from './yolov5/stopSignal';
import { RUN_RECORD_FILE } from '../../shared/runFolder/contract';
import { readRunRecord } from '../../shared/runFolder/readRecord';

export async function hasCheckpoint(dir: string): Promise<boolean> {
  for (const name of CHECKPOINT_FILES)
    if (
      await stat(path.join(dir, 'weights', 'last', name)).then(
        () => true,
        () => false,
      )
    )
      return true;
  return hasYolov5Checkpoint(dir);
}

/** A folder holding only the queued run.json this host wrote (nothing trained yet). */
export async function isPlaceholder(dir: string): Promise<boolean> {
  const files = await readdir(dir).catch(() => [] as string[]);
  // A Slurm submission's script and output files do not count as training.
  if (files.some((f) => f !== RUN_RECORD_FILE && !f.endsWith('.tmp') && !/^slurm-.*\.(out|sh)$/.test(f))) return false;
  const record = await readRunRecord(dir).catch(() => undefined);
  return record === undefined || record.status === 'queued' || (record.status === 'stopped' && !record.startedAt);
}
