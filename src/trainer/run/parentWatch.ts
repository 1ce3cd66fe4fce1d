// `train --stop-with-parent`: the process that started this trainer (a `transfer-lab sweep`) holds
// the other end of a pipe on the trainer's stdin and never writes to it. However that process ends
// — kill -9 included — the system closes its end, and the trainer reads end-of-file: the run then
// stops as on SIGTERM (checkpoint, `stopped`, resumable) instead of training on with nobody to start
// the runs after it. Opt-in on purpose: a trainer the editor starts must outlive a window reload
// (the next window re-attaches by pid), and one started from a terminal follows that terminal's
// signals only.
import { fstatSync } from 'node:fs';

/** Whether stdin is a pipe (or socket pair) whose end says the parent is gone. */
export function stdinIsParentPipe(): boolean {
  try {
    const s = fstatSync(0);
    return s.isFIFO() || s.isSocket();
  } catch {
    return false;
  }
}

/** Calls `onGone` once when stdin reaches its end (or fails); returns the function that stops watching. */
export function watchParentPipe(onGone: (why: string) => void): () => void {
  if (!stdinIsParentPipe()) throw new Error('--stop-with-parent: stdin is not a pipe'); // the CLI says so first, as a usage error
  const parent = process.ppid;
  const stdin = process.stdin;
  let done = false;
  const gone = (): void => {
    if (done) return;
    done = true;
    onGone(`the process that started this run (pid ${parent}) is gone`);
  };
  stdin.on('data', () => undefined); // nothing is ever sent: reading only waits for the end
  stdin.on('end', gone);
  stdin.on('error', gone);
  stdin.resume();
  // Watching must not keep a finished trainer alive.
  (stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.();
  return () => {
    done = true; // the listeners stay, inert, so a late stream error has a handler
    stdin.pause();
  };
}
