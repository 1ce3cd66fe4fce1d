// The comparison page: controls, one chart per quantity, the summary table. Host messages update
// the RunStore at once; drawing happens once per animation frame for whatever arrived, and only
// the charts and rows the changes touch are updated.
import { CHARTS, type ChartId } from './charts';
import { hostMessageProblem, type ExportFormat, type HostMessage } from '../src/shared/panel/contract';
import { RunStore, type StoreChange } from './runStore';
import { isObject } from '../src/shared/runFolder/shapes';
import { MAX_SMOOTHING } from './smoothing';
import type { XAxisMode } from '../src/shared/panel/series';
import { ChartView, type ChartEnv, type ChartSettings } from './chartView';
import { button, checkbox, dropdown, slider, type Control } from './controls';
import { SummaryTable } from './summaryTable';
import { readTheme, watchTheme, type ThemeColors } from './theme';
import { Host } from './vscodeApi';

/** performance.measure name of each drawing pass (read by bench/panel.ts). */
export const FLUSH_MEASURE = 'transferLab:flush';
/** Drawing time per task for live updates; charts left over are drawn in the next task. */
const FRAME_BUDGET_MS = 10;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class App {
  private readonly host = new Host();
  private readonly store = new RunStore();
  private theme: ThemeColors = readTheme();
  private hidden = new Set<string>(this.host.state.hiddenRuns);
  private readonly charts: ChartView[];
  private readonly table: SummaryTable;
  private readonly runsBox = el('div', 'tl-run-checks');
  private readonly runChecks = new Map<string, Control<boolean>>();
  private readonly chartsBox = el('div', 'tl-charts');
  private readonly emptyNote = el('p', 'tl-no-runs', 'No runs yet. A training run appears here as soon as it writes runs/<name>/run.json and metrics.jsonl in the workspace.');
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
    const env: ChartEnv = {
      store: this.store,
      settings: () => this.settings(),
      theme: () => this.theme,
      isVisible: (run) => !this.hidden.has(run),
      resetZoom: () => {
        for (const c of this.charts) c.resetZoom();
      },
      exportFile: (format, what, data) => this.exportFile(format, what, data),
    };
    this.charts = CHARTS.map((def) => new ChartView(def, env));
    this.table = new SummaryTable({
      store: this.store,
      isVisible: (run) => !this.hidden.has(run),
      chosenBaseline: () => this.host.state.baseline,
      setBaseline: (run) => {
        this.host.save({ baseline: run });
        this.host.post({ type: 'setBaseline', run: run ?? null });
        this.table.update();
      },
      openRun: (run) => this.host.post({ type: 'openRun', run }),
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
    window.addEventListener('error', (e) => this.host.post({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }));
    window.addEventListener('unhandledrejection', (e) => this.host.post({ type: 'log', level: 'error', message: String(e.reason) }));
    this.host.post({ type: 'ready' });
  }

  private buildLayout(): void {
    const s = this.host.state;
    const controls = el('div', 'tl-controls');

    const runsGroup = el('fieldset', 'tl-group tl-runs');
    runsGroup.append(el('legend', undefined, 'Runs'));
    const allNone = el('span', 'tl-inline');
    allNone.append(
      button('All', () => this.setAllVisible(true), { secondary: true, ariaLabel: 'Show all runs' }),
      button('None', () => this.setAllVisible(false), { secondary: true, ariaLabel: 'Hide all runs' }),
    );
    runsGroup.append(allNone, this.runsBox);

    const view = el('fieldset', 'tl-group');
    view.append(el('legend', undefined, 'View'));
    view.append(
      slider('Smoothing', 0, 0.99, 0.01, s.smoothing, (v) => this.setSetting({ smoothing: Math.min(v, MAX_SMOOTHING) }), (v) => (v === 0 ? 'off' : v.toFixed(2))).el,
      dropdown(
        'X axis',
        [
          { value: 'epoch', label: 'Epoch' },
          { value: 'wall', label: 'Wall time' },
          { value: 'relative', label: 'Relative time' },
        ],
        s.xAxis,
        (v) => this.setSetting({ xAxis: v as XAxisMode }),
      ).el,
      checkbox('Log scale', s.logScale, (v) => this.setSetting({ logScale: v })).el,
    );

    const chartsGroup = el('fieldset', 'tl-group');
    chartsGroup.append(el('legend', undefined, 'Charts'));
    for (const chart of this.charts) {
      const shown = !s.hiddenCharts.includes(chart.def.id);
      chartsGroup.append(checkbox(chart.def.title.replace(/ \(.*\)$/, ''), shown, (v) => this.setChartShown(chart.def.id, v)).el);
      chart.setShown(shown);
    }

    controls.append(runsGroup, view, chartsGroup);
    for (const c of this.charts) {
      this.chartsBox.append(c.section);
      this.io.observe(c.section);
    }
    this.emptyNote.hidden = true;
    this.loadError.hidden = true;
    this.loadError.setAttribute('role', 'alert');
    this.root.replaceChildren(controls, this.loadError, this.emptyNote, this.chartsBox, this.table.section);
  }

  private onMessage(data: unknown): void {
    const problem = hostMessageProblem(data);
    if (problem) {
      this.host.post({ type: 'log', level: 'warn', message: `ignored a message from the extension: ${problem}` });
      if (isObject(data) && data.type === 'init') this.showLoadError(problem);
      return;
    }
    const msg = data as HostMessage;
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
    if (this.store.visibleRuns) this.applyHostVisibility(this.store.visibleRuns);
    if (this.store.baseline !== undefined && this.host.state.baseline === undefined) this.host.save({ baseline: this.store.baseline });
    this.rebuildRunChecks();
    for (const c of this.charts) {
      c.invalidate();
      c.checkInView();
    }
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
          else this.updateRunCheck(c.run);
          break;
        case 'remove':
          structure = true;
          break;
        case 'visible':
          this.applyHostVisibility(this.store.visibleRuns ?? null);
          break;
        case 'theme':
          this.theme = readTheme();
          structure = true;
          break;
      }
    }
    this.pending = [];
    if (structure) {
      this.rebuildRunChecks();
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
    const end = performance.now();
    performance.measure(FLUSH_MEASURE, { start: t0, end, detail: { kind, latency: end - since, drawn, remaining } });
    if (remaining) this.scheduleMore(since);
    this.host.post({
      type: 'rendered',
      runs: [...this.store.runs.keys()],
      charts: this.charts.filter((c) => !c.section.hidden && c.pointCount() > 0).map((c) => c.def.id),
      summaryRows: this.table.rowCount,
      points: this.store.totalPoints(),
    });
  }

  // ---- runs shown ----

  private rebuildRunChecks(): void {
    const names = [...this.store.runs.keys()];
    for (const [name, ctl] of this.runChecks) {
      if (!this.store.runs.has(name)) {
        ctl.el.remove();
        this.runChecks.delete(name);
      }
    }
    names.forEach((name, i) => {
      let ctl = this.runChecks.get(name);
      if (!ctl) {
        const run = this.store.runs.get(name)!;
        ctl = checkbox(name, !this.hidden.has(name), (v) => this.setRunVisible(name, v, true), { swatch: run.info.color });
        this.runChecks.set(name, ctl);
      }
      if (this.runsBox.children[i] !== ctl.el) this.runsBox.insertBefore(ctl.el, this.runsBox.children[i] ?? null);
      this.updateRunCheck(name);
    });
  }

  private updateRunCheck(name: string): void {
    const ctl = this.runChecks.get(name);
    const run = this.store.runs.get(name);
    if (!ctl || !run) return;
    const sw = ctl.el.querySelector<HTMLElement>('.tl-swatch');
    if (sw) sw.style.backgroundColor = run.info.color;
    ctl.el.title = `${name}: ${run.info.record.status}`;
  }

  private setRunVisible(run: string, show: boolean, fromUser: boolean): void {
    if (show === !this.hidden.has(run)) return;
    if (show) this.hidden.delete(run);
    else this.hidden.add(run);
    for (const c of this.charts) c.applyVisibility(run, show);
    const ctl = this.runChecks.get(run);
    if (ctl && ctl.get() !== show) ctl.set(show);
    this.host.save({ hiddenRuns: [...this.hidden] });
    this.table.update();
    if (fromUser) this.host.post({ type: 'setVisibleRuns', runs: [...this.store.runs.keys()].filter((r) => !this.hidden.has(r)) });
  }

  private setAllVisible(show: boolean): void {
    for (const name of this.store.runs.keys()) this.setRunVisible(name, show, false);
    this.host.post({ type: 'setVisibleRuns', runs: [...this.store.runs.keys()].filter((r) => !this.hidden.has(r)) });
  }

  /** The host's selection (Runs view): null shows every run. */
  private applyHostVisibility(runs: string[] | null): void {
    const want = runs ? new Set(runs) : undefined;
    for (const name of this.store.runs.keys()) this.setRunVisible(name, want ? want.has(name) : true, false);
  }

  // ---- settings ----

  private setSetting(patch: Partial<{ smoothing: number; xAxis: XAxisMode; logScale: boolean }>): void {
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
    this.invalidateAll = true;
    this.schedule();
  }

  private exportFile(format: ExportFormat, what: string, data: string): void {
    this.host.post({ type: 'export', format, what, data });
  }
}
