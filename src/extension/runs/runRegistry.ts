// The run table: every run this window knows, by folder, with the epochs read from its metrics.jsonl
// so far, which ones are checked for the charts (kept in workspace state), and the events the views
// listen to. Outcomes that a trainer could not record itself are written here (run.json), so every
// executor records them the same way.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunLogs } from './runLogs';
import type { RunEnded, RunState } from './runState';
import type { EpochMetrics, ProgressEvent, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { completedRecord } from '../../shared/runFolder/completedRun';
import { METRICS_FILE } from '../../shared/runFolder/contract';
import { MetricsTail } from '../../shared/runFolder/metricsTail';
import { writeRunRecord } from '../../shared/runFolder/writeRecord';

const UNCHECKED_KEY = 'transferLab.runs.unchecked';

export interface EpochsAppended {
  run: RunState;
  epochs: EpochMetrics[];
  /** metrics.jsonl started over (rewritten): `epochs` is the whole series. */
  restarted: boolean;
}

export interface Tracked extends RunState {
  tail: MetricsTail;
  /** A disk read in flight; later reads wait for it so records are applied in order. */
  reading?: Promise<void>;
}

export class RunRegistry implements vscode.Disposable {
  private readonly runs = new Map<string, Tracked>();
  private readonly unchecked: Set<string>;
  private lastQueuedAt = 0;

  private readonly _onDidChange = new vscode.EventEmitter<RunState | undefined>();
  /** A run changed (record, progress), or with undefined: runs were added or removed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidAppendEpochs = new vscode.EventEmitter<EpochsAppended>();
  readonly onDidAppendEpochs = this._onDidAppendEpochs.event;
  private readonly _onDidRemove = new vscode.EventEmitter<RunState>();
  readonly onDidRemove = this._onDidRemove.event;
  private readonly _onDidEnd = new vscode.EventEmitter<RunEnded>();
  /** A process ended (finished, stopped or failed) or a run was marked ended. */
  readonly onDidEnd = this._onDidEnd.event;
  private readonly _onDidChangeChecked = new vscode.EventEmitter<void>();
  readonly onDidChangeChecked = this._onDidChangeChecked.event;

  constructor(
    private readonly state: vscode.Memento,
    readonly logs: RunLogs,
  ) {
    this.unchecked = new Set(state.get<string[]>(UNCHECKED_KEY, []));
  }

  /** Every run, newest first. */
  list(): Tracked[] {
    return [...this.runs.values()].sort((a, b) => b.sortTime - a.sortTime || a.record.name.localeCompare(b.record.name));
  }

  /** By folder path, or by run name (first match across workspace folders). */
  get(dirOrName: string): Tracked | undefined {
    return this.runs.get(dirOrName) ?? [...this.runs.values()].find((r) => r.record.name === dirOrName);
  }

  byDir(dir: string): Tracked | undefined {
    return this.runs.get(dir);
  }

  values(): Tracked[] {
    return [...this.runs.values()];
  }

  /** The tracked run, or a clear error when its folder went away meanwhile. */
  tracked(run: RunState): Tracked {
    const t = this.runs.get(run.dir);
    if (!t) throw new Error(`run ${run.record.name} is no longer in ${path.dirname(run.dir)}`);
    return t;
  }

  track(dir: string, folder: string, record: RunRecord, sortTime: number): Tracked {
    const run: Tracked = {
      dir,
      folder,
      record,
      epochs: [],
      generation: 0,
      stopping: false,
      sortTime: Number.isFinite(sortTime) ? sortTime : Date.now(),
      tail: new MetricsTail(path.join(dir, METRICS_FILE)),
    };
    this.runs.set(dir, run);
    return run;
  }

  /** A run this window queued or submitted: it shows at the top, in the order queued. */
  add(dir: string, folder: string, record: RunRecord): Tracked {
    // Strictly increasing, so runs queued in one go keep their order in the view.
    this.lastQueuedAt = Math.max(Date.now(), this.lastQueuedAt + 1);
    const run = this.runs.get(dir) ?? this.track(dir, folder, record, this.lastQueuedAt);
    run.record = record;
    run.sortTime = this.lastQueuedAt;
    this.updateHasRuns();
    this.changed(undefined);
    return run;
  }

  untrack(run: RunState): void {
    this.runs.delete(run.dir);
    this.logs.remove(run.dir);
    this.updateHasRuns();
    this._onDidRemove.fire(run);
    this.changed(undefined);
  }

  isChecked(run: RunState): boolean {
    return !this.unchecked.has(run.dir);
  }

  async setChecked(runs: readonly RunState[], checked: boolean): Promise<void> {
    for (const r of runs) {
      if (checked) this.unchecked.delete(r.dir);
      else this.unchecked.add(r.dir);
    }
    await this.state.update(UNCHECKED_KEY, [...this.unchecked]);
    this._onDidChangeChecked.fire();
  }

  /** A deleted run's checkbox is not remembered. */
  async forgetChecked(run: RunState): Promise<void> {
    this.unchecked.delete(run.dir);
    await this.state.update(UNCHECKED_KEY, [...this.unchecked]);
  }

  changed(run: RunState | undefined): void {
    this._onDidChange.fire(run);
  }

  ended(e: RunEnded): void {
    this._onDidEnd.fire(e);
  }

  /** Resolves when the run's process (or queue entry) ends. */
  whenEnded(run: RunState): Promise<RunEnded> {
    return new Promise((resolve) => {
      const sub = this.onDidEnd((e) => {
        if (e.run.dir === run.dir) {
          sub.dispose();
          resolve(e);
        }
      });
    });
  }

  /** Reads what metrics.jsonl gained since the last read. */
  async readEpochs(run: RunState): Promise<void> {
    const t = this.runs.get(run.dir);
    if (!t) return;
    const gen = t.tail.generation;
    let rows: EpochMetrics[];
    try {
      rows = await t.tail.readNew();
    } catch {
      return; // unreadable now; the next event tries again
    }
    const restarted = t.tail.generation !== gen;
    if (restarted) {
      t.epochs = [];
      t.generation++;
    }
    if (rows.length === 0 && !restarted) return;
    t.epochs.push(...rows);
    this._onDidAppendEpochs.fire({ run: t, epochs: restarted ? t.epochs.slice() : rows, restarted });
    this.changed(t);
  }

  /** A progress event of a run's trainer (its own output, or a Slurm job's output file). */
  applyEvent(run: RunState, e: ProgressEvent): void {
    this.logs.event(run.dir, run.record.name, e);
    switch (e.type) {
      case 'start':
        run.record = {
          ...run.record,
          engine: e.engine,
          device: e.device,
          epochs: e.epochs,
          trainableParams: e.trainableParams,
          totalParams: e.totalParams,
        };
        run.epochStartedAt = Date.now();
        break;
      case 'batch':
        run.batch = { epoch: e.epoch, done: e.batch, of: e.batches };
        break;
      case 'epoch': {
        const acc = e.metrics['val/accuracy'];
        const best = run.record.bestAccuracy;
        run.record = { ...run.record, bestAccuracy: best === undefined || acc > best ? acc : best };
        run.batch = undefined;
        run.epochStartedAt = Date.now();
        void this.readEpochs(run);
        break;
      }
      case 'end':
      case 'log':
        break;
    }
    this.changed(run);
  }

  /** Records an outcome the trainer could not write itself, and announces it. */
  async markEnded(run: RunState, status: RunStatus, message?: string, endedAt = new Date().toISOString()): Promise<void> {
    run.record = { ...run.record, status, endedAt, ...(message ? { error: message } : {}) };
    if (!message) delete run.record.error;
    if (message) this.logs.note(run.dir, run.record.name, `${status}: ${message}`, status === 'failed' ? 'error' : 'info');
    // A restricted workspace stays read-only: the outcome shows, but nothing is written.
    if (vscode.workspace.isTrusted && !run.problem) {
      try {
        await writeRunRecord(run.dir, run.record);
      } catch (e) {
        this.logs.note(run.dir, run.record.name, `could not update run.json: ${(e as Error).message}`, 'error');
      }
    }
    this.changed(run);
    this.ended({ run, status, message });
  }

  /** A trainer that died after saving its last epoch, before recording that: the run is finished
   *  (shared/runFolder/completedRun.ts), not failed. False for any other run. */
  async settleCompleted(run: RunState, record: RunRecord): Promise<boolean> {
    const done = await completedRecord(run.dir, record).catch(() => undefined);
    if (!done) return false;
    run.record = done;
    this.logs.note(
      run.dir,
      done.name,
      `process ${record.pid ?? '?'} ended after saving its last epoch (${done.epochsDone}) but before recording that the run finished: marked finished`,
    );
    await this.markEnded(run, 'finished', undefined, done.endedAt);
    return true;
  }

  updateHasRuns(): void {
    void vscode.commands.executeCommand('setContext', 'transferLab.hasRuns', this.runs.size > 0);
  }

  dispose(): void {
    for (const e of [this._onDidChange, this._onDidAppendEpochs, this._onDidRemove, this._onDidEnd, this._onDidChangeChecked]) e.dispose();
  }
}
