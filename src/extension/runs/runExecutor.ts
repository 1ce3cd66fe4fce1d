// Where runs execute: as trainer processes on this machine (localExecutor.ts) or as Slurm jobs
// (slurm/slurmExecutor.ts). The runs manager holds one of each and decides which one a run goes
// to; an executor knows only this file and runState.ts of the manager's side — the run table it
// works on is lent to it as an ExecutorHost — so neither imports the manager nor the other one.
import type { StopOutcome } from './processTree';
import type { RunLogs } from './runLogs';
import type { RunEnded, RunState } from './runState';
import type { ProgressEvent, RunRecord, RunStatus } from '../../shared/runFolder/contract';

export interface RunExecutor {
  /** Whether run.json says this executor runs the run. */
  owns(run: RunState): boolean;
  /** Queued, running or followed by this executor in this window. */
  isActive(run: RunState): boolean;
  /** Stops a run this executor runs or follows (the trainer checkpoints first). */
  stop(run: RunState): Promise<StopOutcome>;
  dispose(): void;
}

/** What the manager lends an executor: its run table, events and record keeping. */
export interface ExecutorHost {
  readonly logs: RunLogs;
  /** Tracks a run this window queued or submitted (a row appears). */
  add(dir: string, folder: string, record: RunRecord): RunState;
  get(dir: string): RunState | undefined;
  changed(run: RunState): void;
  /** A progress event of the run's trainer. */
  event(run: RunState, e: ProgressEvent): void;
  readEpochs(run: RunState): Promise<void>;
  /** Records an outcome (writes run.json in a trusted workspace) and announces it. */
  markEnded(run: RunState, status: RunStatus, message?: string): Promise<void>;
  /** The run ended and its final run.json is written: announce it. */
  ended(run: RunState, status: RunStatus, message?: string): void;
  whenEnded(run: RunState): Promise<RunEnded>;
  /** Active in any executor (a run waiting for another one asks about that one). */
  isActive(run: RunState): boolean;
  /** A restricted workspace stays read-only: outcomes show but run.json is not written. */
  trusted(): boolean;
}
