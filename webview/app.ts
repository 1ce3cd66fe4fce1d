// The comparison page: controls (pageControls), one chart per quantity (ChartView), which runs are
// shown (RunVisibility), the summary table. Host messages update the RunStore at once; drawing
// happens once per animation frame for whatever arrived, and only the charts and rows the changes
// touch are updated.
import { CHARTS, type ChartId } from './charts';
import { hostMessageProblem, type ExportFormat, type HostMessage } from '../src/shared/panel/contract';
import { RunStore, type StoreChange } from './runStore';
import { isObject } from '../src/shared/runFolder/shapes';
import { ChartView, type ChartEnv } from './chartView';
import type { ChartSettings } from './chartSeries';
import { el } from './dom';
import { buildControls, type ViewSettings } from './pageControls';
import { PredictionsSection } from './predictionsSection';
import { RunVisibility } from './runVisibility';
import { SummaryTable } from './summaryTable';
import { readTheme, watchTheme, type ThemeColors } from './theme';
import { Host } from './vscodeApi';
import { LR_FIND_CHART_ID, LrFindSection } from './lrFindSection';

/** performance.measure name of each drawing pass (read by bench/panel.ts). */
export const FLUSH_MEASURE = 'transferLab:flush';
/** Drawing time per task for live updates; charts left over are drawn in the next task. */
const FRAME_BUDGET_MS = 10;

export class App {
  private readonly host = new Host();
  private readonly store = new RunStore();
  private theme: ThemeColors = readTheme();
  private readonly charts: ChartView[];
  private readonly table: SummaryTable;
  private readonly visibility: RunVisibility;
  private readonly predictions: PredictionsSection;
  private readonly chartsBox = el('div', 'tl-charts');
  private readonly lrFind = new LrFindSection();
  private readonly emptyNote = el(
    'p',
    'tl-no-runs',
    'No runs yet. A training run appears here as soon as it writes runs/<name>/run.json and metrics.jsonl in the workspace.',
  );
  /** Shown when the first data the extension sends is unreadable, instead of empty charts for ever. */
  private readonly loadError = el('p', 'tl-load-error');
  private pending: StoreChange[] = [];
  private firstPendingAt = 0;
  private frame = 0;
  private moreSince: number | undefined;
  private readonly continuation = new MessageChannel();
  private invalidateAll = false;
  private initialized = false;
  private readonly io: IntersectionObserver;

  constructor(private readonly root: HTMLElement) {
    this.visibility = new RunVisibility(this.store, this.host, (run, show) => {
      for (const c of this.charts) c.applyVisibility(run, show);
      this.table.update();
      this.predictions.update();
    });
    const env: ChartEnv = {
      store: this.store,
      settings: () => this.settings(),
      theme: () => this.theme,
      isVisible: (run) => this.visibility.isVisible(run),
      resetZoom: () => {
        for (const c of this.charts) c.resetZoom();
      },
      exportFile: (format, what, data) => this.exportFile(format, what, data),
    };
    this.charts = CHARTS.map((def) => new ChartView(def, env));
    this.table = new SummaryTable({
      store: this.store,
      isVisible: (run) => this.visibility.isVisible(run),
      chosenBaseline: () => this.host.state.baseline,
      setBaseline: (run) => {
        this.host.save({ baseline: run });
        this.host.post({ type: 'setBaseline', run: run ?? null });
        this.table.update();
      },
      openRun: (run) => this.host.post({ type: 'openRun', run }),
      exportFile: (format, what, data) => this.exportFile(format, what, data),
    });
    this.predictions = new PredictionsSection({
      store: this.store,
      isVisible: (run) => this.visibility.isVisible(run),
      post: (m) => this.host.post(m),
      theme: () => this.theme,
      exportFile: (format, what, data) => this.exportFile(format, what, data),
    });
    this.continuation.port1.onmessage = () => this.runMore();
    this.io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) this.charts.find((c) => c.section === e.target)?.setInView(e.isIntersecting);
      },
      { rootMargin: '0px' },
    );
  }

  private settings(): ChartSettings {
    const s = this.host.state;
    return { xAxis: s.xAxis, smoothing: s.smoothing, logScale: s.logScale };
  }

  start(): void {
    this.buildLayout();
    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data));
    watchTheme(() => this.onTheme());
    window.addEventListener('error', (e) =>
      this.host.post({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }),
    );
    window.addEventListener('unhandledrejection', (e) => this.host.post({ type: 'log', level: 'error', message: String(e.reason) }));
    this.host.post({ type: 'ready' });
  }

  private buildLayout(): void {
    const controls = buildControls({
      state: this.host.state,
      runsBox: this.visibility.box,
      charts: this.charts.map((c) => c.def),
      setAllVisible: (show) => this.visibility.setAll(show),
      setSetting: (patch) => this.setSetting(patch),
      setChartShown: (id, shown) => this.setChartShown(id, shown),
    });
    for (const c of this.charts) {
      c.setShown(!this.host.state.hiddenCharts.includes(c.def.id));
      this.chartsBox.append(c.section);
      this.io.observe(c.section);
    }
    this.emptyNote.hidden = true;
    this.loadError.hidden = true;
    this.loadError.setAttribute('role', 'alert');
    this.root.replaceChildren(
      controls,
      this.loadError,
      this.lrFind.section,
      this.emptyNote,
      this.chartsBox,
      this.table.section,
      this.predictions.section,
    );
  }

  private onMessage(data: unknown): void {
    const problem = hostMessageProblem(data);
    if (problem) {
      this.host.post({ type: 'log', level: 'warn', message: `ignored a message from the extension: ${problem}` });
      if (isObject(data) && data.type === 'init') this.showLoadError(problem);
      return;
    }
    const msg = data as HostMessage;
    if (msg.type === 'predictions') return this.predictions.receive(msg.run, msg.view);
    if (msg.type === 'lrFind') {
      // Not run data: its own section, drawn at once (and reported in `rendered`).
      this.lrFind.show(msg.result, this.theme);
      const now = performance.now();
      this.draw(now, now, 'lr-find');
      return;
    }
    const change = this.store.apply(msg);
    if (change.kind === 'none') return;
    if (change.kind === 'reset') {
      // Everything at once: draw now rather than a frame later.
      this.pending = [];
      this.onReset();
      return;
    }
    this.pending.push(change);
    this.schedule();
  }

  /**
   * Continues a live update whose time budget ran out, in a new task rather than the next frame:
   * input and painting get their turn in between, without a frame's wait per chart.
   */
  private scheduleMore(since: number): void {
    if (this.frame || this.moreSince !== undefined) return;
    this.moreSince = since;
    this.continuation.port2.postMessage(null);
  }

  private runMore(): void {
    const since = this.moreSince ?? performance.now();
    this.moreSince = undefined;
    if (this.frame) return; // a frame is coming anyway and draws what is left
    this.firstPendingAt = since;
    if (this.pending.length || this.invalidateAll) this.flush();
    else this.draw(performance.now(), since, 'more');
  }

  private schedule(): void {
    if (this.frame) return;
    this.firstPendingAt = performance.now();
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  /** A rejected init leaves nothing to draw: say so on the page rather than look busy for ever. */
  private showLoadError(problem: string): void {
    this.loadError.textContent = `The extension sent run data this panel cannot read (${problem}), so no runs are shown. Close the panel and run "Transfer Lab: Open Comparison" again; if it happens again, the extension host log (Developer: Show Logs…) has the message.`;
    this.loadError.hidden = false;
    this.root.setAttribute('aria-busy', 'false');
  }

  private onReset(): void {
    const t0 = performance.now();
    this.initialized = true;
    this.loadError.hidden = true;
    this.root.setAttribute('aria-busy', 'false');
    if (this.store.visibleRuns) this.visibility.applyHost(this.store.visibleRuns);
    if (this.store.baseline !== undefined && this.host.state.baseline === undefined) this.host.save({ baseline: this.store.baseline });
    this.visibility.rebuild();
    for (const c of this.charts) {
      c.invalidate();
      c.checkInView();
    }
    this.predictions.reset();
    this.draw(t0, t0, 'init');
  }

  private flush(): void {
    const t0 = performance.now();
    let structure = this.invalidateAll;
    this.invalidateAll = false;
    for (const c of this.pending) {
      switch (c.kind) {
        case 'append':
          for (const chart of this.charts) chart.append(c.run, c.from);
          break;
        case 'run':
          if (c.added || c.seriesReplaced) structure = true;
          else this.visibility.update(c.run);
          break;
        case 'remove':
          structure = true;
          break;
        case 'visible':
          this.visibility.applyHost(this.store.visibleRuns ?? null);
          break;
        case 'theme':
          this.theme = readTheme();
          this.lrFind.draw(this.theme);
          structure = true;
          break;
      }
    }
    this.pending = [];
    if (structure) {
      this.visibility.rebuild();
      for (const c of this.charts) c.invalidate();
    }
    this.draw(t0, this.firstPendingAt, structure ? 'structure' : 'append');
  }

  /**
   * Draws what is stale. Live updates keep to a time budget: charts left over when it is spent
   * are drawn in a following task, so the main thread is never blocked for every chart's redraw
   * at once. The first render (init) draws everything on screen in one go.
   */
  private draw(t0: number, since: number, kind: string): void {
    if (!this.initialized) return;
    this.emptyNote.hidden = this.store.runs.size > 0;
    const drawn: string[] = [];
    let remaining = 0;
    for (const c of this.charts) {
      if (kind !== 'init' && drawn.length > 0 && performance.now() - t0 > FRAME_BUDGET_MS) {
        if (c.needsDraw) remaining++;
        continue;
      }
      if (c.flush()) drawn.push(c.def.id);
    }
    if (drawn.length || kind !== 'more') this.table.update();
    this.predictions.update();
    const end = performance.now();
    performance.measure(FLUSH_MEASURE, { start: t0, end, detail: { kind, latency: end - since, drawn, remaining } });
    if (remaining) this.scheduleMore(since);
    this.host.post({
      type: 'rendered',
      runs: [...this.store.runs.keys()],
      charts: [
        ...(this.lrFind.shown ? [LR_FIND_CHART_ID] : []),
        ...this.charts.filter((c) => !c.section.hidden && c.pointCount() > 0).map((c) => c.def.id),
      ],
      summaryRows: this.table.rowCount,
      points: this.store.totalPoints(),
    });
  }

  // ---- settings ----

  private setSetting(patch: Partial<ViewSettings>): void {
    this.host.save(patch);
    this.invalidateAll = true;
    this.schedule();
  }

  private setChartShown(id: ChartId, shown: boolean): void {
    const hiddenCharts = new Set(this.host.state.hiddenCharts);
    if (shown) hiddenCharts.delete(id);
    else hiddenCharts.add(id);
    this.host.save({ hiddenCharts: [...hiddenCharts] });
    const chart = this.charts.find((c) => c.def.id === id)!;
    chart.setShown(shown);
    if (shown) {
      chart.checkInView();
      this.schedule();
    }
  }

  private onTheme(): void {
    this.theme = readTheme();
    this.lrFind.draw(this.theme);
    this.invalidateAll = true;
    this.schedule();
  }

  private exportFile(format: ExportFormat, what: string, data: string): void {
    this.host.post({ type: 'export', format, what, data });
  }
}
