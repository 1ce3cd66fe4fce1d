// The comparison panel's copy of the runs it shows: each run's record, colour and metric columns,
// kept in step with a RunsSource. A run's epochs are read once when it appears (or starts over) and
// then only appended to; what changed is handed to `post` as the webview's increments. No vscode
// import: this is the panel's data, not its webview.
import type { HostMessage, RunInfo } from '../../shared/panel/contract';
import { appendEpochs, emptyColumns, lastEpoch, toColumns, type SeriesColumns } from '../../shared/panel/series';
import type { RunColorBook } from './palette';
import type { RunEntry, RunsSource } from './runsSource';
import type { EpochMetrics } from '../../shared/runFolder/contract';

interface HostRun {
  entry: RunEntry;
  info: RunInfo;
  /** undefined while the run's epochs are being read. */
  cols: SeriesColumns | undefined;
  loading: Promise<void> | undefined;
  /** Appends that arrived while loading. */
  pending: EpochMetrics[];
}

function generationOf(e: RunEntry): string {
  return `${e.record.startedAt ?? ''}#${e.generation ?? 0}`;
}

/** The epochs of `epochs` newer than `last`, in order, without repeats. */
export function freshEpochs(last: number, epochs: readonly EpochMetrics[]): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  let prev = last;
  for (const e of epochs) {
    if (e.epoch > prev) {
      out.push(e);
      prev = e.epoch;
    }
  }
  return out;
}

export class PanelRuns {
  private runs = new Map<string, HostRun>();
  /** The source's selection for comparison; empty: show all. */
  selection: string[];

  constructor(
    private readonly source: RunsSource,
    private readonly colors: RunColorBook,
    private readonly post: (message: HostMessage) => void,
    private readonly log: (message: string) => void,
  ) {
    this.selection = source.selectedForComparison();
  }

  /** The source's entry of a run the panel shows. */
  entry(name: string): RunEntry | undefined {
    return this.runs.get(name)?.entry;
  }

  /** Brings the runs in line with the source and tells the webview what changed. */
  sync(): void {
    const entries = this.source.listRuns();
    const colors = this.colors.colors(entries.map((e) => e.record.name));
    const next = new Map<string, HostRun>();
    for (const entry of entries) {
      const name = entry.record.name;
      const info: RunInfo = { record: entry.record, dir: entry.dir, color: colors.get(name)! };
      const prev = this.runs.get(name);
      if (!prev || generationOf(prev.entry) !== generationOf(entry)) {
        const run: HostRun = { entry, info, cols: undefined, loading: undefined, pending: [] };
        next.set(name, run);
        this.load(name, run);
        continue;
      }
      const changed = JSON.stringify(prev.info) !== JSON.stringify(info);
      prev.entry = entry;
      prev.info = info;
      next.set(name, prev);
      if (changed && prev.cols) this.post({ type: 'runUpdated', run: info });
    }
    for (const name of this.runs.keys()) if (!next.has(name)) this.post({ type: 'removeRun', run: name });
    this.runs = next;
    const selection = this.source.selectedForComparison();
    if (JSON.stringify(selection) !== JSON.stringify(this.selection)) {
      this.selection = selection;
      this.post({ type: 'visibleRuns', runs: selection.length ? selection : null });
    }
  }

  private load(name: string, run: HostRun): void {
    run.loading = this.source.readEpochs(name).then(
      (epochs) => {
        // Removed or restarted meanwhile: a newer load owns the run now.
        if (this.runs.get(name) !== run) return;
        run.cols = toColumns(epochs);
        this.appendFresh(run, run.pending);
        run.pending = [];
        run.loading = undefined;
        this.post({ type: 'runUpdated', run: run.info, series: run.cols });
      },
      (e: Error) => {
        run.cols = emptyColumns();
        run.loading = undefined;
        this.log(`comparison panel: reading the epochs of run "${name}" failed: ${e.message}`);
      },
    );
  }

  /** Appends epochs newer than the run's last one; returns those. */
  private appendFresh(run: HostRun, epochs: readonly EpochMetrics[]): EpochMetrics[] {
    const out = freshEpochs(lastEpoch(run.cols!) ?? -Infinity, epochs);
    appendEpochs(run.cols!, out);
    return out;
  }

  onAppend(name: string, epochs: EpochMetrics[]): void {
    const run = this.runs.get(name);
    // A run the panel has not seen yet arrives with the source's next onDidChange.
    if (!run) return;
    if (!run.cols) {
      run.pending.push(...epochs);
      return;
    }
    const fresh = this.appendFresh(run, epochs);
    if (fresh.length) this.post({ type: 'appendEpochs', run: name, epochs: fresh });
  }

  /** Settles when the epoch reads under way have finished. */
  async whenLoaded(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.loading));
  }

  /** Every run whose epochs have been read, with its columns: the webview's `init`. */
  loaded(): { runs: RunInfo[]; series: Record<string, SeriesColumns> } {
    const runs = [...this.runs.values()].filter((r) => r.cols);
    const series: Record<string, SeriesColumns> = {};
    for (const r of runs) series[r.info.record.name] = r.cols!;
    return { runs: runs.map((r) => r.info), series };
  }
}
