// One run of a sweep as seen from the sweep: a `train --json` child process whose progress lines are
// forwarded as they come and whose end event (or exit) says how the run ended. Separate processes
// so each run's time and peak memory are its own; see sweep.ts.
import type { ChildProcess } from 'node:child_process';
import { onLines } from './streamLines';
import type { SweepProgress } from './sweepProgress';
import type { RunStatus } from '../../shared/runFolder/contract';
import { parseProgressLine } from '../../shared/runFolder/progressLine';

export interface ChildOutcome {
  status: RunStatus;
  error?: string;
}

/** Forwards a `train --json` child's events; resolves to how its run ended. */
export function followChild(child: ChildProcess, run: string, progress: SweepProgress): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    let end: ChildOutcome | undefined;
    let stderr = '';
    onLines(child.stdout!, (line) => {
      const e = parseProgressLine(line);
      if (!e) {
        if (line.trim()) progress.run({ type: 'log', run, level: 'warn', message: line });
        return;
      }
      if (e.type === 'end') end = { status: e.status, ...(e.error ? { error: e.error } : {}) };
      progress.run(e);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', (err) => {
      progress.run({ type: 'log', run, level: 'error', message: `cannot start the trainer: ${err.message}` });
      resolve({ status: 'failed', error: err.message });
    });
    child.on('close', (code, signal) => {
      const text = stderr.trim();
      // The trainer reports through its events; stderr only carries what it could not say there.
      if (text && !(end?.error && text.includes(end.error)))
        progress.run({ type: 'log', run, level: end?.status === 'finished' ? 'warn' : 'error', message: text });
      if (end) resolve(end);
      else
        resolve({
          status: 'failed',
          error: `the trainer exited with ${signal ? `signal ${signal}` : `code ${code}`} before the run ended${text ? `: ${text.split('\n').pop()}` : ''}`,
        });
    });
  });
}
