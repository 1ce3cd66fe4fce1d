// The trainer's writes that a crash (kill -9, power loss) cannot leave half done, beside the run
// folder module's atomic file write (run.json, ../../shared/runFolder/writeRecord.ts): folders via a
// temp folder renamed into place, appends fsync'd line by line. A write that fails (a full disk
// above all) leaves no temporary behind and the previous version in place.
import { closeSync, existsSync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { oldCopyOf } from '../../shared/runFolder/readRecord';
import { fsyncDir, writeAll, writeSyncedFile } from '../../shared/runFolder/writeRecord';
import { diskFullAt } from '../../shared/system/diskFull';

/**
 * Replaces folder `dir` with the files in `files` so that a reader sees the old or the new folder,
 * never a mix: new folder written beside it, old one moved aside, new one renamed in, old removed.
 * If the process dies between the two renames only `<dir>.old` exists: see `readableFolder`
 * (../../shared/runFolder/readRecord.ts).
 */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const base = path.basename(dir);
  const tmp = path.join(parent, `.${base}.${process.pid}.tmp`);
  const old = oldCopyOf(dir);
  let movedAside = false;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [name, data] of Object.entries(files)) writeSyncedFile(path.join(tmp, name), data);
    fsyncDir(tmp);
    if (existsSync(dir)) {
      rmSync(old, { recursive: true, force: true });
      renameSync(dir, old);
      movedAside = true;
    }
    renameSync(tmp, dir);
  } catch (err) {
    // The previous folder stays the readable one; the partial new one goes, and with it the space it took.
    try {
      if (movedAside && !existsSync(dir)) renameSync(old, dir);
    } catch {
      // `old` is still read in its place (readableFolder)
    }
    rmSync(tmp, { recursive: true, force: true });
    throw diskFullAt(err, dir);
  }
  fsyncDir(parent);
  rmSync(old, { recursive: true, force: true });
}

/** An append-only text file whose lines are fsync'd one by one; a torn last line is trimmed on open. */
export class DurableLines {
  private fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a+');
    trimTornTail(this.fd);
  }

  /** One whole line, or (when the write fails) none: a partly written line is cut off again. */
  append(line: string): void {
    const size = fstatSync(this.fd).size;
    try {
      writeAll(this.fd, line.endsWith('\n') ? line : `${line}\n`);
      fsyncSync(this.fd);
    } catch (err) {
      try {
        ftruncateSync(this.fd, size); // shrinking needs no space
      } catch {
        // the torn tail is trimmed when the file is next opened
      }
      throw diskFullAt(err, this.file);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Cuts a last line that has no '\n' (a write interrupted by a crash) so appends start clean. */
function trimTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const chunk = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  // Scan backwards for the last newline.
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) {
      const keep = start + i + 1;
      if (keep !== size) ftruncateSync(fd, keep);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}
