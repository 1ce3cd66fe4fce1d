// The panel's "Predictions" section: what each shown run predicted on the validation set. It asks
// the host for the shown runs' predictions (`requestPredictions`) whenever that set changes, keeps
// what comes back, and redraws once per frame: a card per run (confusion heat map with counts or
// row shares, most confused pairs, top losses; YOLOv5's own plots for YOLOv5 runs; the reason when
// a run has none), then per-class accuracy across runs and compare mode.
import type { ExportFormat, WebviewMessage } from '../src/shared/panel/contract';
import type { RunPredictionsView } from '../src/shared/panel/predictionsMessage';
import { checkbox } from './controls';
import { compareView, type ComparePick, type CompareRun } from './compareView';
import { el } from './dom';
import { predictionsCard } from './predictionsCard';
import { classAccuracyBars } from './predictionsParts';
import type { RunStore } from './runStore';
import type { ThemeColors } from './theme';

/** performance.measure name of each render (read by bench/predictions.ts). */
export const PREDICTIONS_MEASURE = 'transferLab:predictions';

export interface PredictionsEnv {
  store: RunStore;
  isVisible(run: string): boolean;
  post(message: WebviewMessage): void;
  theme(): ThemeColors;
  exportFile(format: ExportFormat, what: string, data: string): void;
}

export class PredictionsSection {
  readonly section = el('section', 'tl-predictions');
  private readonly views = new Map<string, RunPredictionsView>();
  private readonly body = el('div', 'tl-predictions-body');
  private requested = '';
  private normalized = false;
  private pick: ComparePick = {};
  private readonly lossesOpen = new Set<string>();
  private frame = 0;

  constructor(private readonly env: PredictionsEnv) {
    this.section.setAttribute('aria-labelledby', 'tl-predictions-title');
    const header = el('header');
    const title = el('h2', undefined, 'Predictions');
    title.id = 'tl-predictions-title';
    const toggle = checkbox('Row shares (each true class sums to 100%)', false, (v) => {
      this.normalized = v;
      this.render();
    });
    header.append(title, toggle.el);
    this.section.append(header, this.body);
  }

  /** The shown runs, in the panel's order. */
  private shown(): string[] {
    return [...this.env.store.runs.keys()].filter((r) => this.env.isVisible(r));
  }

  /** After the runs or their visibility changed: ask for runs not asked for, redraw if the set changed. */
  update(): void {
    const shown = this.shown();
    const key = shown.join('\n');
    if (key === this.requested) return;
    this.requested = key;
    for (const run of this.views.keys()) if (!this.env.store.runs.has(run)) this.views.delete(run);
    this.env.post({ type: 'requestPredictions', runs: shown });
    this.render();
  }

  /** The page was reloaded with a fresh init: ask again for everything. */
  reset(): void {
    this.requested = '';
    this.views.clear();
    this.update();
  }

  receive(run: string, view: RunPredictionsView): void {
    this.views.set(run, view);
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** How many shown runs have a confusion matrix drawn (diagnostics, tests). */
  get matrixCount(): number {
    return this.body.querySelectorAll('table.tl-confusion').length;
  }

  private withPredictions(shown: readonly string[]): CompareRun[] {
    const out: CompareRun[] = [];
    for (const name of shown) {
      const v = this.views.get(name);
      if (v?.kind === 'predictions') out.push({ name, predictions: v.predictions });
    }
    return out;
  }

  private render(): void {
    const t0 = performance.now();
    const shown = this.shown();
    const runs = this.withPredictions(shown);
    const parts: HTMLElement[] = [];
    if (!shown.length) parts.push(el('p', 'tl-note', 'No runs shown.'));
    const cards = el('div', 'tl-prediction-cards');
    for (const name of shown) {
      const info = this.env.store.runs.get(name)!.info;
      cards.append(
        predictionsCard(info, this.views.get(name), {
          normalized: this.normalized,
          theme: this.env.theme,
          exportFile: this.env.exportFile,
          open: (index) => this.env.post({ type: 'openPredictionImage', run: name, index }),
          lossesOpen: this.lossesOpen.has(name),
          setLossesOpen: (open) => (open ? this.lossesOpen.add(name) : this.lossesOpen.delete(name)),
        }),
      );
    }
    parts.push(cards);
    if (runs.length) {
      parts.push(
        classAccuracyBars(runs.map((r) => ({ ...r, color: this.env.store.runs.get(r.name)!.info.color }))),
        compareView(
          runs,
          this.pick,
          (pick) => {
            this.pick = pick;
            this.render();
          },
          (run, index) => this.env.post({ type: 'openPredictionImage', run, index }),
        ),
      );
    }
    this.body.replaceChildren(...parts);
    performance.measure(PREDICTIONS_MEASURE, { start: t0, end: performance.now(), detail: { runs: shown.length, matrices: runs.length } });
  }
}
