// How a training command ends when it throws, the same for the built-in trainer and the YOLOv5
// adapter: the run is recorded as failed with the message the user sees, and train.log also keeps
// the stack of anything the user could not have caused through their own files. Recording cannot
// itself end the process: on a full disk the failure goes into disk-full.txt when run.json cannot
// be rewritten, and the `end` event is sent whatever the disk allowed.
import * as path from 'node:path';
import { DISK_FULL_FILE } from '../../shared/runFolder/contract';
import { explainFileError } from '../../shared/system/fileErrors';
import { isUserError } from '../../shared/userError';
import type { Reporter } from '../cli/progress';
import { DiskFullError, isDiskFull } from '../../shared/system/diskFull';
import type { RunRecordFolder } from './runFolder';

/** What the user reads: a file-system error as a sentence (which path, what it means, what to do). */
export function errorMessage(err: unknown): string {
  return explainFileError(err) ?? (err instanceof Error ? err.message : String(err));
}

export interface FailedRun {
  /** The run folder, when the failure came after it was created or opened. */
  run: RunRecordFolder | undefined;
  /** The run's name as far as it is known (the `end` event names it even without a folder). */
  runName: string;
  /** Logs to train.log and to the reporter. */
  log: (level: 'error', msg: string) => void;
  reporter: Reporter;
}

/** "disk full at …; kept …; what to do", or the error's own message. */
function failureMessage(err: unknown, run: RunRecordFolder | undefined): string {
  if (!isDiskFull(err)) return errorMessage(err);
  const where = err instanceof DiskFullError ? err.message : `disk full (${errorMessage(err)})`;
  let kept: string | undefined;
  try {
    kept = run?.describeKept();
  } catch {
    kept = undefined;
  }
  return `${where}${kept ? `; ${kept}` : ''}; free some space, then resume the run (--resume)`;
}

/** Records `err` as the run's end (run.json `failed`, train.log, the `end` event); returns exit code 1. */
export function recordFailure(err: unknown, f: FailedRun): number {
  let msg = failureMessage(err, f.run);
  if (f.run) {
    try {
      f.run.update({ status: 'failed', error: msg, endedAt: new Date().toISOString() });
    } catch (writeErr) {
      const marked = isDiskFull(writeErr) && f.run.markDiskFull(msg);
      msg += marked
        ? ` (run.json could not be rewritten on the full disk: ${path.join(f.run.dir, DISK_FULL_FILE)} records the failure)`
        : ` (run.json could not record this failure: ${errorMessage(writeErr)})`;
    }
    if (!isUserError(err) && !isDiskFull(err) && err instanceof Error && err.stack) f.run.log('error', err.stack);
  }
  f.log('error', msg);
  f.reporter.event({ type: 'end', run: f.runName, status: 'failed', error: msg });
  return 1;
}
