// The host side of the panel's Predictions section: the page says which runs it shows
// (`requestPredictions`); each is read (asynchronously, one read per run at a time) and sent, and
// sent again only when its files change (checked when the run appends an epoch or its record
// changes: the trainer rewrites best.json after a new best epoch and writes last.json at the end).
// No vscode import: the panel wires it to the webview.
import type { HostMessage } from '../../shared/panel/contract';
import type { Predictions } from '../../shared/runFolder/predictions';
import { predictionsStamp, readRunPredictionsView, type RunFiles } from './predictionsFiles';

export class PanelPredictions {
  private wanted = new Set<string>();
  /** Per run: the stamp of the files last sent to this webview. */
  private readonly sent = new Map<string, string>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** The last valid predictions read per run: what an image click is resolved against. */
  private readonly valid = new Map<string, Predictions>();

  constructor(
    private readonly runOf: (name: string) => RunFiles | undefined,
    private readonly post: (message: HostMessage) => void,
    private readonly log: (message: string) => void,
  ) {}

  /** A new page (its `ready`): it has nothing yet. */
  reset(): void {
    this.sent.clear();
    this.wanted.clear();
  }

  /** The page shows these runs now: send any it has not got. */
  request(runs: readonly string[]): void {
    this.wanted = new Set(runs);
    for (const run of runs) this.check(run);
  }

  /** A run's folder may have changed: re-send its view if the page shows it and its files changed. */
  changed(run: string): void {
    if (this.wanted.has(run)) this.check(run);
  }

  /** Every shown run (after the run list changed). */
  changedAll(): void {
    for (const run of this.wanted) this.check(run);
  }

  predictionsOf(run: string): Predictions | undefined {
    return this.valid.get(run);
  }

  /** Settles when the reads under way are done (tests). */
  async idle(): Promise<void> {
    while (this.reading.size) await Promise.all(this.reading.values());
  }

  private check(run: string): void {
    if (this.reading.has(run)) {
      this.again.add(run);
      return;
    }
    const read = this.read(run)
      .catch((e: unknown) =>
        this.log(`comparison panel: reading the predictions of run "${run}" failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => {
        this.reading.delete(run);
        if (this.again.delete(run)) this.changed(run);
      });
    this.reading.set(run, read);
  }

  private async read(run: string): Promise<void> {
    const files = this.runOf(run);
    if (!files) return;
    const stamp = await predictionsStamp(files);
    if (this.sent.get(run) === stamp) return;
    const view = await readRunPredictionsView(files, this.log);
    if (!this.wanted.has(run)) return;
    if (view.kind === 'problem') this.log(`comparison panel: ${view.message}`);
    if (view.kind === 'predictions') this.valid.set(run, view.predictions);
    else this.valid.delete(run);
    this.sent.set(run, stamp);
    this.post({ type: 'predictions', run, view });
  }
}
