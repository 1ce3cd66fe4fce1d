// One event source for everything that shows run progress (the Runs view's rows and the status
// bar): the manager's change events, coalesced into ticks. Both draw at the same tick from the
// same state, so a row never shows an older epoch than the status bar.
//
// Why ticks and not every event: batch events arrive many times a second, and VS Code's extension
// host debounces a tree's change events (200 ms, restarted by each new event), so a tree that
// signalled changes more often than that would not redraw at all until the run paused. A tick
// fires at once after a quiet spell and then at most every FRAME_MS (> 200 ms), and at least every
// HEARTBEAT_MS while something runs (the ETA moves with the clock).
import * as vscode from 'vscode';
import type { RunState, RunsManager } from './runsManager';

export const FRAME_MS = 250;
export const HEARTBEAT_MS = 1_000;

export interface RunsTick {
  /** Runs whose state changed since the last tick, plus every running run (the status bar's). */
  runs: ReadonlySet<RunState>;
  /** Runs were added or removed, or something every row shows changed: redraw everything. */
  all: boolean;
}

export class RunsFeed implements vscode.Disposable {
  private readonly _onDidTick = new vscode.EventEmitter<RunsTick>();
  readonly onDidTick = this._onDidTick.event;
  private readonly disposables: vscode.Disposable[] = [];
  private pending = new Set<RunState>();
  private pendingAll = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = Infinity;
  private lastTick = -Infinity;

  constructor(private readonly manager: RunsManager) {
    this.disposables.push(
      this._onDidTick,
      manager.onDidChange((run) => (run ? this.changed(run) : this.changedAll())),
    );
  }

  /** A run's state changed. */
  changed(run: RunState): void {
    this.pending.add(run);
    this.scheduleFrame();
  }

  /** Runs were added or removed, or what every row shows changed (checkboxes, icons). */
  changedAll(): void {
    this.pendingAll = true;
    this.scheduleFrame();
  }

  private scheduleFrame(): void {
    this.schedule(Math.max(0, this.lastTick + FRAME_MS - Date.now()));
  }

  private schedule(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.timer && this.due <= at) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  private tick(): void {
    this.timer = undefined;
    this.due = Infinity;
    this.lastTick = Date.now();
    const running = this.manager.list().filter((r) => r.record.status === 'running');
    const runs = new Set([...this.pending, ...running]);
    const all = this.pendingAll;
    this.pending = new Set();
    this.pendingAll = false;
    this._onDidTick.fire({ runs, all });
    if (running.length > 0) this.schedule(HEARTBEAT_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
