// A status-bar item while anything trains: the run, its epoch and the time left; a click opens
// the comparison panel. Hidden when nothing runs. Drawn at the RunsFeed's ticks, the same ones the
// Runs view's rows are drawn at, so both show the same epoch.
import * as vscode from 'vscode';
import type { RunState, RunsManager } from './runsManager';
import { estimateSecondsLeft, formatDuration } from './eta';
import { epochsDone, progressText } from './runRowText';
import type { RunsFeed } from './runsFeed';

export function secondsLeft(run: RunState, now = Date.now()): number | undefined {
  const n = run.record.epochs;
  if (n === undefined) return undefined;
  return estimateSecondsLeft({
    epochs: n,
    epochsDone: epochsDone(run),
    epochSeconds: run.epochs.map((e) => e.epoch_seconds),
    batch: run.batch ? { done: run.batch.done, of: run.batch.of } : undefined,
    currentEpochElapsed: run.epochStartedAt !== undefined ? (now - run.epochStartedAt) / 1000 : undefined,
  });
}

export class RunsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('transferLab.runs', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private shown = false;

  constructor(
    private readonly manager: RunsManager,
    feed: RunsFeed,
  ) {
    this.item.name = 'Transfer Lab Runs';
    this.item.command = 'transferLab.openComparison';
    // The feed ticks at least once a second while something runs: the ETA moves with the clock.
    this.disposables.push(
      this.item,
      feed.onDidTick(() => this.update()),
    );
    this.update();
  }

  /** What the item says, while it shows. */
  get text(): string | undefined {
    return this.shown ? this.item.text : undefined;
  }

  private update(): void {
    const running = this.manager.list().filter((r) => r.record.status === 'running');
    const queued = this.manager.queued().length;
    if (running.length === 0) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const lead = running[0];
    const left = secondsLeft(lead);
    const eta = left !== undefined ? ` · ETA ${formatDuration(left)}` : '';
    const more = running.length > 1 ? ` (+${running.length - 1} running)` : '';
    const waiting = queued > 0 ? ` · ${queued} queued` : '';
    this.item.text = `$(sync~spin) ${lead.record.name}: ${progressText(lead)}${eta}${more}${waiting}`;
    this.item.tooltip = new vscode.MarkdownString(
      running
        .map((r) => {
          const l = secondsLeft(r);
          return `**${r.record.name}**: ${progressText(r)}${l !== undefined ? `, about ${formatDuration(l)} left` : ''}`;
        })
        .join('  \n') + `${queued > 0 ? `  \n${queued} queued` : ''}  \n\nClick to open the comparison panel.`,
    );
    this.item.show();
    this.shown = true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
