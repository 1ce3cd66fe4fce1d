// Writes that a crash (kill -9, power loss) cannot leave half done: files via temp + fsync + rename,
// folders via a temp folder renamed into place, appends fsync'd line by line.
import { closeSync, existsSync, fsyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/**
 * Replaces folder `dir` with the files in `files` so that a reader sees the old or the new folder,
 * never a mix: new folder written beside it, old one moved aside, new one renamed in, old removed.
 * If the process dies between the two renames only `<dir>.old` exists: see `readableFolder`.
 */
export function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const base = path.basename(dir);
  const tmp = path.join(parent, `.${base}.${process.pid}.tmp`);
  const old = path.join(parent, `${base}.old`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [name, data] of Object.entries(files)) {
    const fd = openSync(path.join(tmp, name), 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  fsyncDir(tmp);
  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
  }
  renameSync(tmp, dir);
  fsyncDir(parent);
  rmSync(old, { recursive: true, force: true });
}

/** `dir`, or its `.old` copy when a replacement was interrupted between its two renames. */
export function readableFolder(dir: string): string | undefined {
  if (existsSync(dir)) return dir;
  const old = path.join(path.dirname(dir), `${path.basename(dir)}.old`);
  return existsSync(old) ? old : undefined;
}

/** An append-only text file whose lines are fsync'd one by one; a torn last line is trimmed on open. */
export class DurableLines {
  private fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a+');
    trimTornTail(this.fd);
  }

  append(line: string): void {
    writeSync(this.fd, Buffer.from(line.endsWith('\n') ? line : `${line}\n`));
    fsyncSync(this.fd);
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
