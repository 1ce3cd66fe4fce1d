// One chart (one quantity, every run overlaid) drawn with uPlot on a canvas. It keeps every point
// (chartSeries) and draws a view reduced to about two points per pixel column (Decimator), so
// drawing costs the same at 100 or 100,000 epochs. Live appends re-reduce only the last buckets and
// call setData on this chart alone; the uPlot instance is recreated only when the series change
// shape (plotShapeKey). A chart scrolled out of view records that it is stale and catches up when
// it comes back. Options, hover box and export live in chartOptions, chartTooltip, chartExport.
import uPlot from 'uplot';
import { X_AXIS_LABELS, type ChartDef } from './charts';
import { chartPng, chartSvg } from './chartExport';
import { PLOT_HEIGHT, plotOptions, plotShapeKey, Y_AXIS_SIZE } from './chartOptions';
import { appendSeries, buildSeries, chartLines, type ChartSeries, type ChartSettings } from './chartSeries';
import { ChartTooltip } from './chartTooltip';
import type { ExportFormat } from '../src/shared/panel/contract';
import { Decimator } from './decimate';
import type { RunStore, StoredRun } from './runStore';
import { chartSection } from './chartSection';
import type { ThemeColors } from './theme';
import { PhaseMarks } from './phaseLines';

/** What a chart needs from the page around it. */
export interface ChartEnv {
  store: RunStore;
  settings(): ChartSettings;
  theme(): ThemeColors;
  isVisible(run: string): boolean;
  /** Double-click: every chart back to the full x range. */
  resetZoom(): void;
  exportFile(format: ExportFormat, what: string, data: string): void;
}

type Stale = 'none' | 'data' | 'recompute';

export class ChartView {
  readonly section: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private readonly tooltip = new ChartTooltip();
  private readonly phases = new PhaseMarks();
  private u: uPlot | undefined;
  /** The points drawn; undefined while the chart has nothing to draw. */
  private series: ChartSeries | undefined;
  private view: Decimator | undefined;
  /** Whether the drawn view is reduced (more points than pixels): thinner lines. */
  private dense = false;
  private shapeKey = '';
  private stale: Stale = 'recompute';
  private dirtyFrom = Infinity;
  private inView = false;
  private shown = true;
  private zoom: [number, number] | undefined;
  /** True while this chart changes its own scales (setData), so the hook does not see a zoom. */
  private internal = false;
  private width = 0;
  private readonly resize: ResizeObserver;

  constructor(
    readonly def: ChartDef,
    private readonly env: ChartEnv,
  ) {
    ({
      section: this.section,
      plotHost: this.plotHost,
      emptyNote: this.emptyNote,
    } = chartSection(
      def,
      () => this.exportPng(),
      () => this.exportSvg(),
    ));
    this.plotHost.after(this.phases.note);
    this.section.append(this.tooltip.el);
    this.resize = new ResizeObserver(() => this.onResize());
    this.resize.observe(this.plotHost);
  }

  /** Whether the section is on screen (from the page's IntersectionObserver). */
  setInView(inView: boolean): void {
    this.inView = inView;
    if (inView) this.flush();
  }

  checkInView(): boolean {
    const r = this.section.getBoundingClientRect();
    this.inView = r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
    return this.inView;
  }

  get isShown(): boolean {
    return this.shown;
  }

  setShown(shown: boolean): void {
    this.shown = shown;
    this.section.hidden = !shown;
    if (!shown) this.destroyPlot();
    this.invalidate();
  }

  /** Everything must be recomputed (runs, settings or theme changed). */
  invalidate(): void {
    this.stale = 'recompute';
  }

  /** The page's settings, with a log y axis where the chart always has one (learning rates). */
  private settings(): ChartSettings {
    const s = this.env.settings();
    return this.def.logY ? { ...s, logScale: true } : s;
  }

  /** New points `from`…end of `run`'s columns. */
  append(run: string, from: number): void {
    if (this.stale === 'recompute' || !this.series) return;
    // A new phase change (an unfreeze) needs a new drawing of the markers.
    if (this.phases.changed([...this.env.store.runs.values()], this.settings().xAxis)) {
      this.stale = 'recompute';
      return;
    }
    const at = appendSeries(this.series, this.def, this.env.store.runs.get(run), run, from, this.settings());
    if (at < 0) {
      this.stale = 'recompute';
      return;
    }
    this.dirtyFrom = Math.min(this.dirtyFrom, at);
    if (this.stale === 'none') this.stale = 'data';
  }

  /** Whether flush() would draw. */
  get needsDraw(): boolean {
    return this.shown && this.inView && this.stale !== 'none';
  }

  /** Brings the drawing up to date if it is on screen; returns whether it drew. */
  flush(): boolean {
    if (!this.shown || !this.inView || this.stale === 'none') return false;
    if (this.stale === 'recompute') this.recompute();
    else this.refreshView();
    this.stale = 'none';
    this.dirtyFrom = Infinity;
    return true;
  }

  private buckets(): number {
    return Math.max(100, this.plotWidth() - Y_AXIS_SIZE);
  }

  /** A new reduced view of every point (of the zoomed range when zoomed in). */
  private reduce(s: ChartSeries, zoom = this.zoom): Decimator {
    return new Decimator(s.full.x, s.flat, this.buckets(), zoom);
  }

  /** After appends: re-reduce the changed tail, or the whole view when that no longer fits. */
  private refreshView(): void {
    if (!this.series || !this.u) return;
    if (!this.view || !this.view.extend(this.dirtyFrom)) this.view = this.reduce(this.series);
    // Crossing into (or out of) more points than pixels changes the line width: a new shape.
    if (this.zoom === undefined && this.view.isDecimating !== this.dense) {
      this.recompute();
      return;
    }
    this.setData(this.zoom === undefined);
  }

  private setData(resetScales: boolean): void {
    const v = this.view!.view;
    const data = [v.x, ...v.ys] as uPlot.AlignedData;
    this.internal = true;
    try {
      this.u!.batch(() => this.u!.setData(data, resetScales));
    } finally {
      this.internal = false;
    }
  }

  private recompute(): void {
    const settings = this.settings();
    const runs = [...this.env.store.runs.values()];
    const lines = chartLines(this.def, runs);
    this.phases.update(runs, settings.xAxis, lines.length > 0, (run) => this.env.isVisible(run));
    if (!lines.length || !runs.length) {
      this.destroyPlot();
      this.emptyNote.hidden = false;
      this.plotHost.hidden = true;
      this.series = undefined;
      return;
    }
    this.emptyNote.hidden = true;
    this.plotHost.hidden = false;
    const series = buildSeries(lines, runs, settings);
    this.series = series;
    this.zoom = undefined;
    const view = this.reduce(series);
    this.view = view;
    this.dense = view.isDecimating;
    const spec = {
      def: this.def,
      series,
      runs,
      settings,
      theme: this.env.theme(),
      dense: this.dense,
      width: this.plotWidth(),
      isVisible: (run: string) => this.env.isVisible(run),
      markers: this.phases.markers,
    };
    const key = plotShapeKey(spec);
    this.plotHost.setAttribute(
      'aria-label',
      `${this.def.title}: ${runs.length} run${runs.length === 1 ? '' : 's'} against ${X_AXIS_LABELS[settings.xAxis].toLowerCase()}. The summary table below lists the figures.`,
    );
    if (this.u && key === this.shapeKey) {
      this.setData(true);
      return;
    }
    this.shapeKey = key;
    this.destroyPlot();
    this.view = view;
    const v = view.view;
    const options = plotOptions(spec, {
      resetZoom: () => this.env.resetZoom(),
      hover: (on) => this.tooltip.setHovering(on),
      onScale: (u, k) => this.onScale(u, k),
      onCursor: (u) =>
        this.tooltip.update(
          u,
          this.series && {
            def: this.def,
            series: this.series,
            settings: this.settings(),
            isVisible: (run) => this.env.isVisible(run),
            colorOf: (run) => this.env.store.runs.get(run)?.info.color ?? '',
          },
          this.section,
        ),
    });
    // Initialised inside batch() so the first draw happens now, not in a later microtask.
    this.internal = true;
    this.u = new uPlot(options, [v.x, ...v.ys] as uPlot.AlignedData, (u, init) => {
      this.plotHost.append(u.root);
      u.batch(() => init());
    });
    this.internal = false;
    this.width = this.u.width;
  }

  /** A drag-zoom (here or in a synced chart): reduce the zoomed range at full detail. */
  private onScale(u: uPlot, key: string): void {
    const full = this.series?.full;
    if (key !== 'x' || this.internal || !full || !full.x.length) return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    if (min <= full.x[0] && max >= full.x[full.x.length - 1]) return;
    this.zoom = [min, max];
    // Not from inside uPlot's own hook: replace the data once it is done.
    queueMicrotask(() => {
      if (!this.u || !this.series || this.zoom?.[0] !== min || this.zoom?.[1] !== max) return;
      this.view = this.reduce(this.series);
      this.setData(false);
    });
  }

  resetZoom(): void {
    if (!this.zoom) return;
    this.zoom = undefined;
    if (!this.u || !this.series) return;
    this.view = this.reduce(this.series);
    this.setData(true);
  }

  /** Shows or hides every series of `run` (checkbox or host selection). */
  applyVisibility(run: string, show: boolean): void {
    if (this.phases.has(run)) {
      this.phases.updateNote((name) => this.env.isVisible(name));
      this.u?.redraw(false);
    }
    const u = this.u;
    const r = this.series ? this.series.runNames.indexOf(run) : -1;
    if (!u || r < 0) return;
    u.batch(() => {
      this.series!.refs.forEach((ref, i) => {
        if (ref.run === r && u.series[i + 1].show !== show) u.setSeries(i + 1, { show });
      });
    });
  }

  private plotWidth(): number {
    return Math.max(240, Math.floor(this.plotHost.clientWidth || this.section.clientWidth || 480));
  }

  private onResize(): void {
    const w = this.plotWidth();
    if (!this.u || w === this.width) return;
    this.width = w;
    this.u.setSize({ width: w, height: PLOT_HEIGHT });
    // The bucket count follows the width.
    if (this.series && this.view?.isDecimating) {
      this.view = this.reduce(this.series);
      this.setData(this.zoom === undefined);
    }
  }

  private destroyPlot(): void {
    this.u?.destroy();
    this.u = undefined;
    this.view = undefined;
    this.shapeKey = '';
  }

  destroy(): void {
    this.resize.disconnect();
    this.destroyPlot();
    this.section.remove();
  }

  /** Points of the full data (every run's epochs, aligned), 0 when the chart has nothing to draw. */
  pointCount(): number {
    return this.series ? this.series.full.x.length : 0;
  }

  // ---- export ----

  private ensureDrawn(): uPlot | undefined {
    if (!this.u || this.stale !== 'none') {
      const was = this.inView;
      this.inView = true;
      this.flush();
      this.inView = was;
    }
    return this.u;
  }

  private fileStem(): string {
    return `chart-${this.def.id}`;
  }

  /** The drawn runs the user has not hidden, in store order. */
  private shownRuns(): StoredRun[] {
    const named = (this.series?.runNames ?? []).filter((name) => this.env.isVisible(name)).map((name) => this.env.store.runs.get(name));
    return named.filter((run): run is StoredRun => run !== undefined);
  }

  exportPng(): void {
    const u = this.ensureDrawn();
    if (u) this.env.exportFile('png', this.fileStem(), chartPng(u, this.def.title, this.shownRuns(), this.env.theme()));
  }

  exportSvg(): void {
    const u = this.ensureDrawn();
    if (u && this.series)
      this.env.exportFile(
        'svg',
        this.fileStem(),
        chartSvg(u, this.def, this.series.lines, this.shownRuns(), this.settings(), this.env.theme(), this.phases.markers),
      );
  }
}
