// Where the comparison panel gets runs from. The Runs capability implements this over its own
// model (live trainer output, selection checkboxes).
import type * as vscode from 'vscode';
import type { EpochMetrics, RunRecord } from '../../shared/runFolder/contract';

export interface RunEntry {
  record: RunRecord;
  /** Absolute path of the run folder. */
  dir: string;
  /**
   * Changes when the run's metrics start over in the same folder (re-run, truncated
   * metrics.jsonl): the panel then reloads the run's epochs instead of appending. A changed
   * `record.startedAt` has the same effect.
   */
  generation?: number;
}

export interface EpochsAppended {
  run: string;
  /** New epochs only, in order; never ones already returned by readEpochs or a previous event. */
  epochs: EpochMetrics[];
}

export interface RunsSource {
  /** Every known run, in display order. */
  listRuns(): RunEntry[];
  /** Names of the runs the user selected for comparison; empty: no selection (show all). */
  selectedForComparison(): string[];
  /** Every epoch of `run` recorded so far. Later epochs arrive through onDidAppendEpochs. */
  readEpochs(run: string): Promise<EpochMetrics[]>;
  /** Runs were added, removed or changed (status, record), or the selection changed. */
  readonly onDidChange: vscode.Event<void>;
  readonly onDidAppendEpochs: vscode.Event<EpochsAppended>;
  /** Optional: show the run (the panel's "open run"); without it the panel opens its run.json. */
  revealRun?(run: string): Thenable<void> | void;
  /** Optional: re-read the run folders on disk (file events can be missed); changes fire onDidChange. */
  refresh?(): Promise<void>;
  /** Optional: the user toggled runs in the panel, for a selection view to follow. */
  setSelectedForComparison?(runs: string[]): void;
}
