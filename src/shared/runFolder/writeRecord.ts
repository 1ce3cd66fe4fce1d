// The one writer of run.json, and the atomic file write under it: a temporary beside the file,
// renamed over it. A reader sees the old record or the new one, never half of one; a write that
// fails (a full disk above all) leaves no temporary behind and the previous record in place. The
// trainer writes synchronously (its run folder work is) and fsyncs, so that a crash (kill -9,
// power loss) leaves its last record; the host and the Slurm submitter write without blocking.
import { closeSync, fsyncSync, mkdirSync, openSync, promises as fs, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { RUN_RECORD_FILE, type RunRecord } from './contract';
import { diskFullAt } from '../system/diskFull';

/** All of `data`: write(2) stores what fits and says so, so a full disk shows as a short write
 *  first; the next call then fails with ENOSPC instead of leaving a silently truncated file. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let done = 0; done < buf.length;) done += writeSync(fd, buf, done, buf.length - done);
}

/** `file` created (or emptied) with `data`, on disk before this returns. */
export function writeSyncedFile(file: string, data: string | Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename in `dir` durable. Some platforms (Windows) cannot open a folder; the rename is
 *  still atomic there. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // see above
  }
}

let writes = 0;
/** A hidden temporary beside `file`, unique within this process even for overlapping async writes. */
function temporaryFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${writes++}.tmp`);
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = temporaryFor(file);
  try {
    writeSyncedFile(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw diskFullAt(err, file);
  }
  fsyncDir(path.dirname(file));
}

/**
 * `writeFileAtomic` without blocking, for the host and the Slurm submitter: temporary + rename, so
 * a reader still never sees half a record, but not fsync'd, as these writers never were. They write
 * only records no trainer owns (queued, settled, a job's id); a power cut may lose that last write,
 * and the reader then names the file. The trainer's own records are the durable ones.
 */
async function replaceFile(file: string, data: string): Promise<void> {
  const tmp = temporaryFor(file);
  try {
    await fs.writeFile(tmp, data, 'utf8');
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw diskFullAt(err, file);
  }
}

function recordText(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Replaces `<dir>/run.json` (making `dir` if needed) with `record`. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await replaceFile(path.join(dir, RUN_RECORD_FILE), recordText(record));
}

/** `writeRunRecord` for the trainer's synchronous run folder code. */
export function writeRunRecordSync(dir: string, record: RunRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, RUN_RECORD_FILE), recordText(record));
}
