// One builder per cache folder: the runs of a sweep (or two runs started together) that need the same
// frozen prefix take a lock file (created exclusively, holding the builder's pid and process start
// time); the others wait for it and then reuse what it built. A lock whose holder is gone (killed,
// crashed: the pid no longer runs, or runs a different process that reused the pid) is taken over.
import { linkSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { processStartTime } from '../system/processStart';

interface Holder {
  pid: number;
  startTime?: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined; // gone, or being written: looked at again on the next try
  }
}

/** Whether the process that wrote `h` still runs. */
export function holderAlive(h: Holder): boolean {
  if (h.pid === process.pid) return true;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = processStartTime(h.pid);
  return h.startTime === undefined || now === undefined || now === h.startTime;
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  writeSync(fd, JSON.stringify({ pid: process.pid, startTime: processStartTime() }));
  closeSync(fd);
  return true;
}

/** Moves a dead holder's lock aside; if another process replaced it meanwhile, puts that one back. */
function takeOver(file: string, dead: Holder): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else took it over first
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== dead.pid || moved.startTime !== dead.startTime)) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process holds it now: the moved one's holder will find its lock gone and rebuild
    }
  }
  rmSync(aside, { force: true });
}

export interface LockWait {
  /** Called once when another live process holds the lock. */
  onWait(holder: Holder): void;
  /** Called after the lock is released by others: true when there is nothing left to do (a finished file). */
  done(): boolean;
  /** True once the waiting run is asked to stop: the wait ends with CacheWaitStopped. */
  stopped?(): boolean;
  pollMs?: number;
}

/** A run asked to stop while it waited for another run's build (nothing of its own to clean up). */
export class CacheWaitStopped extends Error {
  constructor(file: string, holder: Holder | undefined) {
    super(`stopped while waiting for ${holder ? `pid ${holder.pid}` : 'another run'} to build the frozen-prefix cache (${file})`);
    this.name = 'CacheWaitStopped';
  }
}

/**
 * Takes the lock (true), or waits while a live holder has it and returns false as soon as `done`
 * says its work is there. The caller releases with `releaseLock`.
 */
export async function acquireLock(file: string, wait: LockWait): Promise<boolean> {
  let waited = false;
  for (;;) {
    if (tryCreate(file)) {
      if (waited && wait.done()) {
        releaseLock(file);
        return false;
      }
      return true;
    }
    const holder = readHolder(file);
    if (holder && !holderAlive(holder)) {
      takeOver(file, holder);
      continue;
    }
    if (!waited && holder) {
      waited = true;
      wait.onWait(holder);
    }
    if (wait.done()) return false;
    if (wait.stopped?.()) throw new CacheWaitStopped(file, holder);
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? 200));
  }
}

export function releaseLock(file: string): void {
  rmSync(file, { force: true });
}
