// The comparison panel's RunsSource over the Runs view's model: the runs the manager knows, the
// epochs it has already read (no second reader of metrics.jsonl), and the rows checked in the view.
import * as vscode from 'vscode';
import type { EpochMetrics } from '../../shared/runFolder/contract';
import type { EpochsAppended, RunEntry, RunsSource } from '../panel/runsSource';
import type { RunsManager } from './runsManager';

/** Batch events change a run many times a second; the panel needs at most a few updates. */
const CHANGE_COALESCE_MS = 150;

export class ManagedRunsSource implements RunsSource, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly appendEmitter = new vscode.EventEmitter<EpochsAppended>();
  readonly onDidChange = this.changeEmitter.event;
  readonly onDidAppendEpochs = this.appendEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter, this.appendEmitter];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly manager: RunsManager,
    private readonly reveal: (run: string) => Thenable<void> | void,
  ) {
    const changed = () => this.scheduleChange();
    this.disposables.push(
      manager.onDidChange(changed),
      manager.onDidChangeChecked(changed),
      manager.onDidRemove(changed),
      manager.onDidAppendEpochs((e) => {
        // A restart changes the run's generation: the panel reloads it through readEpochs.
        if (e.restarted) this.scheduleChange();
        else this.appendEmitter.fire({ run: e.run.record.name, epochs: e.epochs });
      }),
    );
  }

  private scheduleChange(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changeEmitter.fire();
    }, CHANGE_COALESCE_MS);
  }

  refresh(): Promise<void> {
    return this.manager.rescan();
  }

  listRuns(): RunEntry[] {
    return this.manager.list().map((r) => ({ record: r.record, dir: r.dir, generation: r.generation }));
  }

  selectedForComparison(): string[] {
    return this.manager
      .list()
      .filter((r) => this.manager.isChecked(r))
      .map((r) => r.record.name);
  }

  async readEpochs(run: string): Promise<EpochMetrics[]> {
    return this.manager.get(run)?.epochs.slice() ?? [];
  }

  revealRun(run: string): Thenable<void> | void {
    return this.reveal(run);
  }

  setSelectedForComparison(runs: string[]): void {
    const want = new Set(runs);
    const all = this.manager.list();
    void this.manager
      .setChecked(
        all.filter((r) => want.has(r.record.name)),
        true,
      )
      .then(() =>
        this.manager.setChecked(
          all.filter((r) => !want.has(r.record.name)),
          false,
        ),
      );
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
