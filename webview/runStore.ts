// What the webview knows, rebuilt from the host's messages alone. The webview renders from it, and
// the integration test replays the host's sent messages through it to check what the webview got.
import type { HostMessage, RunInfo, ThemeKind } from '../src/shared/panel/contract';
import { appendEpochs, emptyColumns, lastEpoch, type SeriesColumns } from '../src/shared/panel/series';

export interface StoredRun {
  info: RunInfo;
  cols: SeriesColumns;
}

/** What one message changed, so the view updates only that. */
export type StoreChange =
  | { kind: 'reset' }
  /** Points `from`…end of the run's columns are new. */
  | { kind: 'append'; run: string; from: number }
  | { kind: 'run'; run: string; added: boolean; seriesReplaced: boolean }
  | { kind: 'remove'; run: string }
  | { kind: 'visible' }
  | { kind: 'theme' }
  | { kind: 'none' };

export class RunStore {
  /** In display order. */
  readonly runs = new Map<string, StoredRun>();
  baseline: string | undefined;
  /** From the host: runs to show (null/undefined: no opinion). */
  visibleRuns: string[] | null | undefined;
  theme: ThemeKind = 'dark';

  apply(msg: HostMessage): StoreChange {
    switch (msg.type) {
      case 'init':
        this.runs.clear();
        for (const info of msg.runs) this.runs.set(info.record.name, { info, cols: msg.series[info.record.name] ?? emptyColumns() });
        this.baseline = msg.summary.baseline;
        this.visibleRuns = msg.visibleRuns;
        this.theme = msg.theme;
        return { kind: 'reset' };
      case 'appendEpochs': {
        const run = this.runs.get(msg.run);
        if (!run) return { kind: 'none' };
        // The host sends each epoch once; a repeat (same or lower epoch) would draw a line backwards.
        const last = lastEpoch(run.cols) ?? -Infinity;
        const fresh = msg.epochs.filter((e) => e.epoch > last);
        if (!fresh.length) return { kind: 'none' };
        const from = run.cols.epoch.length;
        appendEpochs(run.cols, fresh);
        return { kind: 'append', run: msg.run, from };
      }
      case 'runUpdated': {
        const name = msg.run.record.name;
        const existing = this.runs.get(name);
        if (existing) {
          existing.info = msg.run;
          if (msg.series) existing.cols = msg.series;
        } else {
          this.runs.set(name, { info: msg.run, cols: msg.series ?? emptyColumns() });
        }
        return { kind: 'run', run: name, added: !existing, seriesReplaced: !existing || msg.series !== undefined };
      }
      case 'removeRun':
        if (!this.runs.delete(msg.run)) return { kind: 'none' };
        return { kind: 'remove', run: msg.run };
      case 'visibleRuns':
        this.visibleRuns = msg.runs;
        return { kind: 'visible' };
      case 'theme':
        this.theme = msg.kind;
        return { kind: 'theme' };
      // Not run data: the Predictions section keeps predictions and the page shows the LR finder's
      // chart apart (app.ts hands both over).
      case 'predictions':
      case 'lrFind':
        return { kind: 'none' };
    }
  }

  totalPoints(): number {
    let n = 0;
    for (const r of this.runs.values()) n += r.cols.epoch.length;
    return n;
  }
}
