// The one reader of run.json (and of which weights folder holds a run's checkpoint). The host reads
// without blocking (`readRunRecord`); the trainer, whose run folder work is synchronous, reads the
// same way with `readRunRecordSync`. Both check every field (./shapes.ts) and read a `running`
// record beside disk-full.txt as the failed run it stands for. Pure Node.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DISK_FULL_FILE, METRICS_FILE, RUN_RECORD_FILE, type RunRecord } from './contract';
import { RunFolderError } from './runFolderError';
import { runRecordProblem } from './shapes';

const DISK_FULL_DEFAULT =
  'the disk was full: the trainer stopped and could not record it in run.json; weights/last holds its last checkpoint. Free some space, then resume the run';

/** run.json's text as a RunRecord, or a RunFolderError naming `file` and what is wrong. The writer
 *  replaces run.json atomically, so a torn or partial file is a real error, not a race. */
export function parseRunRecord(file: string, text: string): RunRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RunFolderError(
      `is not valid JSON (${(e as Error).message}); the trainer writes it, delete the run folder if it is left over from a crash`,
      file,
    );
  }
  const problem = runRecordProblem(parsed);
  if (problem) throw new RunFolderError(`${problem}; it does not follow the run folder contract`, file);
  return parsed as RunRecord;
}

/** `record` as read beside the contents of disk-full.txt (undefined: there is none). */
function withDiskFull(record: RunRecord, diskFull: string | undefined): RunRecord {
  if (record.status !== 'running' || diskFull === undefined) return record;
  return { ...record, status: 'failed', error: diskFull.trim() || DISK_FULL_DEFAULT };
}

function unreadable(file: string, e: unknown): RunFolderError {
  return new RunFolderError(`cannot be read: ${(e as Error).message}`, file);
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Reads `<dir>/run.json`. Undefined when the folder has no run.json (yet); a RunFolderError naming
 * the file when it cannot be read or is not a valid RunRecord.
 */
export async function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  const file = path.join(dir, RUN_RECORD_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw unreadable(file, e);
  }
  const record = parseRunRecord(file, text);
  if (record.status !== 'running') return record;
  return withDiskFull(record, await fs.readFile(path.join(dir, DISK_FULL_FILE), 'utf8').catch(() => undefined));
}

/** `readRunRecord` for the trainer's synchronous run folder code. */
export function readRunRecordSync(dir: string): RunRecord | undefined {
  const file = path.join(dir, RUN_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw unreadable(file, e);
  }
  const record = parseRunRecord(file, text);
  if (record.status !== 'running') return record;
  let diskFull: string | undefined;
  try {
    diskFull = readFileSync(path.join(dir, DISK_FULL_FILE), 'utf8');
  } catch {
    diskFull = undefined;
  }
  return withDiskFull(record, diskFull);
}

/** Sub-folders of `runsDir` holding a run.json or metrics.jsonl, absolute and sorted by name.
 *  An absent runs folder is simply empty. */
export async function listRunDirs(runsDir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
  const dirs: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = path.join(runsDir, e.name);
    const files = await fs.readdir(dir).catch(() => [] as string[]);
    if (files.includes(RUN_RECORD_FILE) || files.includes(METRICS_FILE)) dirs.push(dir);
  }
  return dirs.sort();
}

/** Where a folder replaced atomically (weights/last) sits while it is moved aside: a process that
 *  died between the replacement's two renames leaves only this copy. */
export function oldCopyOf(dir: string): string {
  return path.join(path.dirname(dir), `${path.basename(dir)}.old`);
}

/** `dir`, or its `.old` copy when a replacement was interrupted between its two renames. */
export function readableFolder(dir: string): string | undefined {
  return [dir, oldCopyOf(dir)].find((d) => existsSync(d));
}

/** `readableFolder` without blocking (the host). */
export async function readableFolderAsync(dir: string): Promise<string | undefined> {
  for (const d of [dir, oldCopyOf(dir)]) {
    if (
      await fs.access(d).then(
        () => true,
        () => false,
      )
    )
      return d;
  }
  return undefined;
}
