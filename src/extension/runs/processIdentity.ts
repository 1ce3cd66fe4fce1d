// After a window reload the host only has the pid a run wrote into run.json. Pids are reused, so
// "alive" is not enough: the process must also be that run's trainer. On Linux /proc tells both the
// command line and the start time (field 22 of /proc/<pid>/stat, clock ticks since boot), which
// together identify a process for its whole life. Async fs only: this runs in the extension host.
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { isAlive } from '../../shared/system/processAlive';
import { hasEnded, noProcEntry, readProcStat } from './procStat';

export type ProcessCheck =
  | { state: 'alive' }
  | { state: 'dead' }
  /** A live process holds the pid but it is not this run's trainer. */
  | { state: 'reused'; why: string };

/** Start time of a process from /proc/<pid>/stat (Linux), or undefined where there is no /proc. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await readProcStat(pid))?.startTime;
}

/** A process's argument vector, from /proc (Linux) or `ps` (macOS, BSD). */
export async function processCommandLine(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s.length > 0);
  } catch (e) {
    // Gone, or no /proc: ask `ps` where there is one. Anything else is a real error.
    if (!noProcEntry(e)) throw e;
    if (process.platform === 'win32' || process.platform === 'linux') return undefined;
  }
  return new Promise((resolve) => {
    execFile('ps', ['-p', String(pid), '-o', 'command='], { timeout: 5_000 }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim().split(/\s+/));
    });
  });
}

export interface RunProcessClaim {
  pid: number;
  /** The run's name, which its trainer has on its command line after `--name`. */
  name: string;
  /** The start marker run.json recorded, when it did. */
  pidStartTime?: string;
}

/** Whether the process run.json names is alive and really that run's trainer. */
export async function checkRunProcess(claim: RunProcessClaim): Promise<ProcessCheck> {
  if (!Number.isInteger(claim.pid) || claim.pid <= 0 || !isAlive(claim.pid)) return { state: 'dead' };
  const stat = await readProcStat(claim.pid);
  if (stat && hasEnded(stat)) return { state: 'dead' };
  // The marker is compared when it is a /proc start time (digits); other formats fall back to
  // the command line alone.
  if (stat && claim.pidStartTime !== undefined && /^\d+$/.test(claim.pidStartTime) && stat.startTime !== claim.pidStartTime) {
    return { state: 'reused', why: `pid ${claim.pid} started at tick ${stat.startTime}, the run's process at tick ${claim.pidStartTime}` };
  }
  const argv = await processCommandLine(claim.pid);
  if (argv === undefined) {
    // No way to read the command line (Windows): the start time (when known) is all there is.
    return { state: 'alive' };
  }
  if (!isThisRunsCommandLine(argv, claim.name)) {
    return { state: 'reused', why: `pid ${claim.pid} is "${argv.slice(0, 4).join(' ')}", not the trainer of ${claim.name}` };
  }
  return { state: 'alive' };
}

/** The trainer of run NAME is started as `… train <experiment> --name NAME …`. */
export function isThisRunsCommandLine(argv: string[], name: string): boolean {
  const i = argv.indexOf('--name');
  if (i >= 0) return argv[i + 1] === name;
  return argv.includes(`--name=${name}`);
}
