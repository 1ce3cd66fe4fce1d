// Reading /proc/<pid>/stat (Linux). The command name (field 2) may hold spaces and parentheses, so
// fields are counted from the last ')'. Pure parsing plus async reads.
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  /** Field 3: R, S, D, Z (zombie), X (dead)… */
  state: string;
  /** Field 5: process group id. */
  pgrp: number;
  /** Field 22: start time in clock ticks since boot, as written. */
  startTime: string;
}

export function parseProcStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = line
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3, so field k is rest[k - 3].
  if (rest.length < 20) return undefined;
  return { state: rest[0], pgrp: Number(rest[2]), startTime: rest[19] };
}

/** A /proc read failed because there is nothing to read: no such process (ENOENT; ESRCH when it
 *  exits mid-read) or no /proc at all (not Linux). Any other failure is a real error. */
export function noProcEntry(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (e) {
    if (noProcEntry(e)) return undefined;
    throw e;
  }
}

/** A zombie has ended; only its parent has not collected it yet. */
export function hasEnded(s: ProcStat): boolean {
  return s.state === 'Z' || s.state === 'X';
}

/** Pids of live (not zombie) members of a process group, from /proc; undefined without /proc. */
export async function liveGroupMembers(pgid: number): Promise<number[] | undefined> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch (e) {
    if (noProcEntry(e)) return undefined;
    throw e;
  }
  const out: number[] = [];
  await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        const s = await readProcStat(Number(n));
        if (s && s.pgrp === pgid && !hasEnded(s)) out.push(Number(n));
      }),
  );
  return out.sort((a, b) => a - b);
}
