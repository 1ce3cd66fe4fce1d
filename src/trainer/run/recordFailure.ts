// How a training command ends when it throws, the same for the built-in trainer and the YOLOv5
// adapter: the run is recorded as failed with the message the user sees, and train.log also keeps
// the stack of anything the user could not have caused through their own files.
import { explainFileError } from '../../shared/system/fileErrors';
import type { Reporter } from '../cli/progress';
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
  /** Errors that are fixed in the user's files or setup: no stack in train.log. */
  isUserError: (err: unknown) => boolean;
}

/** Records `err` as the run's end (run.json `failed`, train.log, the `end` event); returns exit code 1. */
export function recordFailure(err: unknown, f: FailedRun): number {
  const msg = errorMessage(err);
  if (f.run) {
    f.run.update({ status: 'failed', error: msg, endedAt: new Date().toISOString() });
    if (!f.isUserError(err) && err instanceof Error && err.stack) f.run.log('error', err.stack);
  }
  f.log('error', msg);
  f.reporter.event({ type: 'end', run: f.runName, status: 'failed', error: msg });
  return 1;
}
