// The host writes run.json only when no trainer owns the folder: a queued run that has not started,
// a run whose process ended without saying how. Written atomically (temp file + rename), as the
// trainer does, so a reader never sees half a record.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunRecord } from '../../shared/runs/contract';
import { RUN_RECORD_FILE } from '../../shared/runs/runFolderReader';

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, RUN_RECORD_FILE);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(record, null, 2) + '\n', 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }); // a full disk leaves no half-written temporary behind
    throw err;
  }
}
