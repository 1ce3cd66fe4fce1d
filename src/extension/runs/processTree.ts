// Stopping a training process means stopping everything it started. The trainer is spawned as the
// leader of its own process group (detached), so one signal to the group reaches its workers too:
// SIGTERM first (the trainer checkpoints and marks the run `stopped`), SIGKILL when the group
// outlives the grace period. No vscode import: unit-tested against real process trees.
import { spawn } from 'node:child_process';
import { isAlive } from '../../shared/system/processAlive';
import { hasEnded, liveGroupMembers, readProcStat } from './procStat';

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch {
    // Not a group leader (a trainer started from a terminal, say): signal the process itself.
  }
  try {
    process.kill(pid, signal);
  } catch (e) {
    // Gone meanwhile (ESRCH) is what stopping wants. Not allowed (EPERM) is not: waiting and
    // reporting "killed" would hide a process that still runs, so the stop fails with the reason.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Whether a single process is running (a zombie is not). */
export async function processRunning(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const s = await readProcStat(pid);
  return s === undefined || !hasEnded(s);
}

/** Whether any member of the group led by `pid` (or the process itself) is still running.
 *  kill(…, 0) also succeeds for zombies, which have ended; on Linux /proc tells them apart. */
export async function groupAlive(pid: number): Promise<boolean> {
  if (!isAlive(-pid) && !isAlive(pid)) return false;
  const members = await liveGroupMembers(pid);
  if (members === undefined) return true;
  if (members.length > 0) return true;
  const self = await readProcStat(pid);
  return self !== undefined && !hasEnded(self);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until the group is gone or `timeoutMs` passes; true when it is gone. */
export async function waitForExit(pid: number, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await groupAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

function taskkill(pid: number, force: boolean): Promise<void> {
  return new Promise((resolve) => {
    const p = spawn('taskkill', ['/pid', String(pid), '/T', ...(force ? ['/F'] : [])], { windowsHide: true, stdio: 'ignore' });
    p.on('error', () => resolve());
    p.on('exit', () => resolve());
  });
}

/**
 * Stops the process group led by `pid`: `firstSignal` (SIGTERM; SIGINT for a YOLOv5 run, as Ctrl+C),
 * then SIGKILL after `graceMs` if any member remains.
 * On Windows (no process groups) `taskkill /T` walks the tree instead.
 */
export async function stopProcessTree(pid: number, graceMs: number, firstSignal: NodeJS.Signals = 'SIGTERM'): Promise<StopOutcome> {
  if (process.platform === 'win32') {
    if (!isAlive(pid)) return 'not-running';
    await taskkill(pid, false);
    if (await waitForExit(pid, graceMs)) return 'terminated';
    await taskkill(pid, true);
    await waitForExit(pid, 5_000);
    return 'killed';
  }
  if (!(await groupAlive(pid))) return 'not-running';
  signalGroup(pid, firstSignal);
  if (await waitForExit(pid, graceMs)) return 'terminated';
  signalGroup(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}
