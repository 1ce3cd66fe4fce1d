// A run as the runs manager keeps it, and what launches and ends one: apart from runsManager.ts so
// that the executors (localExecutor.ts, slurm/slurmExecutor.ts), which the manager drives, need not
// import the manager.
import type { FreezeSpec } from '../../shared/experiment/types';
import type { EpochMetrics, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import type { FineTuneRecipe } from '../../shared/runs/fineTune';

export interface LaunchRequest {
  /** Absolute path of the experiment file. */
  experiment: string;
  freeze: FreezeSpec;
  sweep?: string;
  /** Continue from weights/last (`--resume`). */
  resume?: boolean;
  /** Folder of a run that must finish first (the pretraining that makes this run's weights). */
  after?: string;
  /** A fine_tune run (`train --fine-tune`): `freeze` is its head-first phase. */
  fineTune?: FineTuneRecipe;
}

/** The run.json a launch writes before anything runs (local queue or Slurm submission): every view shows it queued. */
export function queuedRecord(name: string, req: LaunchRequest): RunRecord {
  return {
    name,
    status: 'queued',
    experiment: req.experiment,
    freeze: req.freeze,
    ...(req.sweep ? { sweep: req.sweep } : {}),
    ...(req.fineTune ? { fineTune: req.fineTune } : {}),
  };
}

export interface RunState {
  readonly dir: string;
  /** Workspace folder the trainer runs in (its cwd). */
  readonly folder: string;
  record: RunRecord;
  /** Epochs read from metrics.jsonl so far. */
  epochs: EpochMetrics[];
  /** Increases when metrics.jsonl started over (rewritten or truncated): `epochs` was replaced. */
  generation: number;
  /** Progress inside the current epoch, from batch events. */
  batch?: { epoch: number; done: number; of: number };
  /** When the current epoch began (ms), for the ETA. */
  epochStartedAt?: number;
  /** 'child': this window started the process and reads its output; 'pid': followed by pid. */
  attachment?: 'child' | 'pid';
  stopping: boolean;
  /** Why run.json could not be read, when it could not. */
  problem?: string;
  /** For ordering rows: when the run was queued or started (ms). */
  sortTime: number;
}

export interface RunEnded {
  run: RunState;
  status: RunStatus;
  /** The trainer's own message when it failed, else why it ended as it did. */
  message?: string;
}
