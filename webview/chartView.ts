// One chart (one quantity, every run overlaid) drawn with uPlot on a canvas. The chart keeps every
// point (`full`, aligned on one x) and draws a view of it reduced to about two points per pixel
// column (Decimator), so drawing costs the same at 100 or 100,000 epochs. Live appends write the
// new points into the existing arrays, re-reduce only the last buckets and call setData on this
// chart alone; the uPlot instance is recreated only when the series change shape (runs, lines,
// smoothing on/off, axis mode, log scale, theme). A chart scrolled out of view records that it is
// stale and catches up when it comes back. Hovering shows every shown run's exact values at that x.
import uPlot from 'uplot';
import { alignTracks, appendToAligned, lowerBound, type Aligned, type Track } from './align';
import { DURATION_INCRS, durationTicks, formatX, formatY, X_AXIS_LABELS, type ChartDef, type ChartLine } from './charts';
import type { ExportFormat } from '../src/shared/panel/contract';
import { Decimator } from './decimate';
import type { RunStore, StoredRun } from './runStore';
import { hasAny, xValues, type Value, type XAxisMode } from '../src/shared/panel/series';
import { EmaSmoother } from './smoothing';
import { buildSvgChart, type SvgLine } from './svgChart';
import { button } from './controls';
import type { ThemeColors } from './theme';

export interface ChartSettings {
  xAxis: XAxisMode;
  smoothing: number;
  logScale: boolean;
}

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

interface SeriesRef {
  run: number;
  line: ChartLine;
  smoothed: boolean;
}

type Stale = 'none' | 'data' | 'recompute';

const PLOT_HEIGHT = 240;
const Y_AXIS_SIZE = 70;
const EPOCH_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];
const RAW_ALPHA = 0.25;
/** Byte axes tick at round binary sizes (256 MiB, 1 GiB) rather than round decimals. */
const BYTE_INCRS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].flatMap((m) => [m, m * 1024, m * 1024 ** 2, m * 1024 ** 3]).sort((a, b) => a - b);

let nextId = 0;

/** Index of the value in sorted `xs` nearest to `x` (nulls are skipped by the caller's data). */
function nearest(xs: readonly Value[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? -Infinity) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((xs[lo - 1] ?? Infinity) - x) <= Math.abs((xs[lo] ?? Infinity) - x)) return lo - 1;
  return lo;
}

export class ChartView {
  readonly section: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private readonly tooltip: HTMLElement;
  private u: uPlot | undefined;
  /** Every point: x union and per run its lines (raw, and smoothed after each raw when smoothing). */
  private full: Aligned | undefined;
  private flat: Value[][] = [];
  private view: Decimator | undefined;
  /** Whether the drawn view is reduced (more points than pixels): thinner lines. */
  private dense = false;
  private data: uPlot.AlignedData = [[]];
  /** Per run its own x values (for hover), in store order. */
  private runX: Value[][] = [];
  private lines: ChartLine[] = [];
  private runNames: string[] = [];
  /** smoothers[run][line], continuing the average for appended points. */
  private smoothers: EmaSmoother[][] = [];
  private refs: SeriesRef[] = [];
  private shapeKey = '';
  private stale: Stale = 'recompute';
  private dirtyFrom = Infinity;
  private inView = false;
  private shown = true;
  private zoom: [number, number] | undefined;
  /** True while this chart changes its own scales (setData), so the hook does not see a zoom. */
  private internal = false;
  private hovering = false;
  private width = 0;
  private readonly resize: ResizeObserver;

  constructor(readonly def: ChartDef, private readonly env: ChartEnv) {
    const id = `tl-chart-${nextId++}`;
    this.section = document.createElement('section');
    this.section.className = 'tl-chart';
    this.section.setAttribute('aria-labelledby', `${id}-title`);
    const header = document.createElement('header');
    const title = document.createElement('h3');
    title.id = `${id}-title`;
    title.textContent = def.title;
    const tools = document.createElement('span');
    tools.className = 'tl-chart-tools';
    tools.append(
      button('PNG', () => this.exportPng(), { secondary: true, ariaLabel: `Export ${def.title} as PNG`, title: 'Save this chart as a PNG image' }),
      button('SVG', () => this.exportSvg(), { secondary: true, ariaLabel: `Export ${def.title} as SVG`, title: 'Save this chart as an SVG drawing' }),
    );
    header.append(title, tools);
    this.plotHost = document.createElement('div');
    this.plotHost.className = 'tl-plot';
    this.plotHost.setAttribute('role', 'img');
    this.emptyNote = document.createElement('p');
    this.emptyNote.className = 'tl-empty';
    this.emptyNote.textContent = def.empty;
    this.emptyNote.hidden = true;
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tl-tooltip';
    this.tooltip.hidden = true;
    this.tooltip.setAttribute('aria-hidden', 'true');
    this.section.append(header, this.plotHost, this.emptyNote, this.tooltip);
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

  /** New points `from`…end of `run`'s columns. */
  append(run: string, from: number): void {
    if (this.stale === 'recompute' || !this.full) return;
    const r = this.runNames.indexOf(run);
    const stored = this.env.store.runs.get(run);
    if (r < 0 || !stored) {
      this.stale = 'recompute';
      return;
    }
    // A metric seen for the first time (top-5, device memory) adds lines: a new shape.
    for (const l of this.def.lines) {
      if (!this.lines.includes(l) && stored.cols.values[l.key].slice(from).some((v) => v !== null)) {
        this.stale = 'recompute';
        return;
      }
    }
    const { xAxis, logScale } = this.env.settings();
    const x = xValues(stored.cols, xAxis, stored.info.record.startedAt, from);
    this.runX[r].push(...x);
    const ys: Value[][] = [];
    this.lines.forEach((line, l) => {
      const raw = this.transform(stored.cols.values[line.key].slice(from), logScale);
      ys.push(raw);
      const sm = this.smoothers[r][l];
      if (sm) ys.push(raw.map((v) => sm.next(v)));
    });
    const at = appendToAligned(this.full, r, x, ys);
    if (at < 0) {
      this.stale = 'recompute';
      return;
    }
    this.dirtyFrom = Math.min(this.dirtyFrom, at);
    if (this.stale === 'none') this.stale = 'data';
  }

  private transform(values: Value[], log: boolean): Value[] {
    return log ? values.map((v) => (v !== null && v > 0 ? v : null)) : values;
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

  /** After appends: re-reduce the changed tail, or the whole view when that no longer fits. */
  private refreshView(): void {
    if (!this.full || !this.u) return;
    if (!this.view || !this.view.extend(this.dirtyFrom)) this.view = new Decimator(this.full.x, this.flat, this.buckets(), this.zoom);
    // Crossing into (or out of) more points than pixels changes the line width: a new shape.
    if (this.zoom === undefined && this.view.isDecimating !== this.dense) {
      this.recompute();
      return;
    }
    this.setData(this.zoom === undefined);
  }

  private setData(resetScales: boolean): void {
    const v = this.view!.view;
    this.data = [v.x, ...v.ys] as uPlot.AlignedData;
    this.internal = true;
    try {
      this.u!.batch(() => this.u!.setData(this.data, resetScales));
    } finally {
      this.internal = false;
    }
  }

  private recompute(): void {
    const { xAxis, smoothing, logScale } = this.env.settings();
    const runs = [...this.env.store.runs.values()];
    this.lines = this.def.lines.filter((l) => hasAny(runs.map((r) => r.cols), l.key));
    this.runNames = runs.map((r) => r.info.record.name);
    if (!this.lines.length || !runs.length) {
      this.destroyPlot();
      this.emptyNote.hidden = false;
      this.plotHost.hidden = true;
      this.full = undefined;
      return;
    }
    this.emptyNote.hidden = true;
    this.plotHost.hidden = false;
    const smoothOn = smoothing > 0;
    this.smoothers = [];
    this.refs = [];
    this.runX = [];
    const tracks: Track[] = runs.map((run, r) => {
      const x = xValues(run.cols, xAxis, run.info.record.startedAt);
      this.runX.push(x.slice());
      const ys: Value[][] = [];
      const sms: EmaSmoother[] = [];
      for (const line of this.lines) {
        const raw = this.transform(run.cols.values[line.key], logScale);
        ys.push(raw);
        this.refs.push({ run: r, line, smoothed: false });
        if (smoothOn) {
          const sm = new EmaSmoother(smoothing);
          ys.push(raw.map((v) => sm.next(v)));
          sms.push(sm);
          this.refs.push({ run: r, line, smoothed: true });
        }
      }
      this.smoothers.push(sms);
      return { x, ys };
    });
    this.full = alignTracks(tracks);
    this.flat = this.full.ys.flat();
    this.zoom = undefined;
    this.view = new Decimator(this.full.x, this.flat, this.buckets());
    this.dense = this.view.isDecimating;
    const theme = this.env.theme();
    const key = [this.lines.map((l) => l.key).join(), smoothOn, logScale, xAxis, this.dense, this.runNames.join('\u0000'), runs.map((r) => r.info.color).join(), JSON.stringify(theme)].join('|');
    this.plotHost.setAttribute('aria-label', `${this.def.title}: ${runs.length} run${runs.length === 1 ? '' : 's'} against ${X_AXIS_LABELS[xAxis].toLowerCase()}. The summary table below lists the figures.`);
    if (this.u && key === this.shapeKey) {
      this.setData(true);
      return;
    }
    this.shapeKey = key;
    const view = this.view;
    this.destroyPlot();
    this.view = view;
    const v = view.view;
    this.data = [v.x, ...v.ys] as uPlot.AlignedData;
    // Initialised inside batch() so the first draw happens now, not in a later microtask.
    this.internal = true;
    this.u = new uPlot(this.options(runs, theme), this.data, (u, init) => {
      this.plotHost.append(u.root);
      u.batch(() => init());
    });
    this.internal = false;
    this.width = this.u.width;
  }

  private options(runs: StoredRun[], theme: ThemeColors): uPlot.Options {
    const { xAxis, smoothing, logScale } = this.env.settings();
    const smoothOn = smoothing > 0;
    const unit = this.def.unit;
    const font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
    const axis: uPlot.Axis = {
      stroke: theme.axis,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font,
    };
    const series: uPlot.Series[] = [
      {},
      ...this.refs.map((ref): uPlot.Series => {
        const faint = smoothOn && !ref.smoothed;
        const run = runs[ref.run];
        // Thin lines where points outnumber pixels: the min/max zig-zag reads better, and thick
        // anti-aliased strokes of thousands of segments cost many times more to rasterise.
        const width = faint ? 1 : this.dense ? (theme.highContrast ? 1.5 : 1) : theme.highContrast ? 2.5 : 1.75;
        return {
          label: this.lines.length > 1 ? `${run.info.record.name} · ${ref.line.label}` : run.info.record.name,
          stroke: run.info.color,
          width,
          alpha: faint ? RAW_ALPHA : 1,
          dash: ref.line.dash,
          spanGaps: true,
          show: this.env.isVisible(run.info.record.name),
          points: { show: false },
        };
      }),
    ];
    return {
      width: this.plotWidth(),
      height: PLOT_HEIGHT,
      scales: {
        x: { time: xAxis === 'wall' },
        y: logScale ? { distr: 3, log: 10 } : {},
      },
      axes: [
        {
          ...axis,
          ...(xAxis === 'wall' ? {} : { values: (_u: uPlot, splits: number[]) => splits.map((v) => formatX(xAxis, v)) }),
          ...(xAxis === 'epoch' ? { incrs: EPOCH_INCRS } : xAxis === 'relative' ? { incrs: DURATION_INCRS } : {}),
        },
        { ...axis, size: Y_AXIS_SIZE, values: (_u, splits) => splits.map((v) => formatY(unit, v)), ...(unit === 'bytes' && !logScale ? { incrs: BYTE_INCRS } : {}) },
      ],
      series,
      // The hover table below replaces uPlot's legend: one row per run instead of per series.
      legend: { show: false },
      cursor: {
        // The same x on every chart while hovering one; zooming one zooms all (x by value).
        sync: { key: 'transfer-lab', setSeries: false, filters: { pub: (type) => type !== 'dblclick' } },
        drag: { x: true, y: false },
        focus: { prox: -1 },
        points: { show: false },
        bind: {
          dblclick: () => () => {
            this.env.resetZoom();
            return null;
          },
          mouseenter: (_u, _t, handler) => (e) => {
            this.hovering = true;
            return handler(e);
          },
          mouseleave: (_u, _t, handler) => (e) => {
            this.hovering = false;
            this.tooltip.hidden = true;
            return handler(e);
          },
        },
      },
      hooks: {
        setScale: [(u, key) => this.onScale(u, key)],
        setCursor: [(u) => this.onCursor(u)],
      },
    };
  }

  /** A drag-zoom (here or in a synced chart): reduce the zoomed range at full detail. */
  private onScale(u: uPlot, key: string): void {
    if (key !== 'x' || this.internal || !this.full || !this.full.x.length) return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    const x = this.full.x;
    if (min <= x[0] && max >= x[x.length - 1]) return;
    this.zoom = [min, max];
    // Not from inside uPlot's own hook: replace the data once it is done.
    queueMicrotask(() => {
      if (!this.u || !this.full || this.zoom?.[0] !== min || this.zoom?.[1] !== max) return;
      this.view = new Decimator(this.full.x, this.flat, this.buckets(), this.zoom);
      this.setData(false);
    });
  }

  resetZoom(): void {
    if (!this.zoom) return;
    this.zoom = undefined;
    if (!this.u || !this.full) return;
    this.view = new Decimator(this.full.x, this.flat, this.buckets());
    this.setData(true);
  }

  private onCursor(u: uPlot): void {
    const left = u.cursor.left;
    if (!this.hovering || left === undefined || left < 0 || !this.full) {
      this.tooltip.hidden = true;
      return;
    }
    const { xAxis, smoothing } = this.env.settings();
    const x = u.posToVal(left, 'x');
    const rows: HTMLElement[] = [];
    const head = document.createElement('div');
    head.className = 'tl-tooltip-head';
    let shownX: number | undefined;
    this.runNames.forEach((name, r) => {
      if (!this.env.isVisible(name) || !this.runX[r].length) return;
      const i = nearest(this.runX[r], x);
      const rx = this.runX[r][i];
      if (rx === null || rx === undefined) return;
      const k = lowerBound(this.full!.x, rx);
      if (this.full!.x[k] !== rx) return;
      shownX ??= rx;
      const lines = this.full!.ys[r];
      const parts = this.lines.map((line, l) => {
        const raw = lines[smoothing > 0 ? 2 * l : l][k];
        const sm = smoothing > 0 ? lines[2 * l + 1][k] : undefined;
        const label = this.lines.length > 1 ? `${line.label} ` : '';
        return `${label}${formatY(this.def.unit, sm ?? raw)}${sm !== undefined && raw !== null ? ` (raw ${formatY(this.def.unit, raw)})` : ''}`;
      });
      const row = document.createElement('div');
      const sw = document.createElement('span');
      sw.className = 'tl-swatch';
      sw.style.backgroundColor = this.env.store.runs.get(name)?.info.color ?? '';
      const text = document.createElement('span');
      text.textContent = `${name}: ${parts.join(' · ')}${xAxis === 'epoch' || rx === shownX ? '' : ` @ ${formatX(xAxis, rx)}`}`;
      row.append(sw, text);
      rows.push(row);
    });
    if (!rows.length) {
      this.tooltip.hidden = true;
      return;
    }
    head.textContent = `${X_AXIS_LABELS[xAxis]} ${formatX(xAxis, shownX ?? x)}`;
    this.tooltip.replaceChildren(head, ...rows);
    this.tooltip.hidden = false;
    // Beside the cursor, flipped to its left near the right edge.
    const over = u.over.getBoundingClientRect();
    const box = this.section.getBoundingClientRect();
    const tipW = this.tooltip.offsetWidth;
    let px = over.left - box.left + left + 14;
    if (px + tipW > box.width) px = over.left - box.left + left - tipW - 14;
    this.tooltip.style.left = `${Math.max(0, px)}px`;
    this.tooltip.style.top = `${over.top - box.top + 4}px`;
  }

  /** Shows or hides every series of `run` (checkbox or host selection). */
  applyVisibility(run: string, show: boolean): void {
    const u = this.u;
    const r = this.runNames.indexOf(run);
    if (!u || r < 0) return;
    u.batch(() => {
      this.refs.forEach((ref, i) => {
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
    if (this.full && this.view?.isDecimating) {
      this.view = new Decimator(this.full.x, this.flat, this.buckets(), this.zoom);
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
    return this.full ? this.full.x.length : 0;
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

  exportPng(): void {
    const u = this.ensureDrawn();
    if (!u) return;
    const theme = this.env.theme();
    const src = u.ctx.canvas;
    const ratio = src.width / Math.max(1, u.width);
    const visible = this.runNames.filter((r) => this.env.isVisible(r));
    const titleH = 28 * ratio;
    const legendH = Math.ceil(visible.length / 4) * 18 * ratio + 8 * ratio;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height + titleH + legendH;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = theme.foreground;
    ctx.font = `600 ${14 * ratio}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(this.def.title, 8 * ratio, titleH / 2);
    ctx.drawImage(src, 0, titleH);
    ctx.font = `${12 * ratio}px ${theme.fontFamily}`;
    const colW = out.width / 4;
    visible.forEach((name, i) => {
      const x = (i % 4) * colW + 8 * ratio;
      const y = src.height + titleH + 8 * ratio + Math.floor(i / 4) * 18 * ratio + 9 * ratio;
      ctx.fillStyle = this.env.store.runs.get(name)?.info.color ?? theme.foreground;
      ctx.fillRect(x, y - 2 * ratio, 16 * ratio, 4 * ratio);
      ctx.fillStyle = theme.foreground;
      ctx.fillText(name, x + 22 * ratio, y);
    });
    this.env.exportFile('png', this.fileStem(), out.toDataURL('image/png'));
  }

  exportSvg(): void {
    const u = this.ensureDrawn();
    if (!u) return;
    const { xAxis, smoothing, logScale } = this.env.settings();
    const theme = this.env.theme();
    const lines: SvgLine[] = [];
    const legend: Array<{ label: string; color: string }> = [];
    for (const name of this.runNames) {
      if (!this.env.isVisible(name)) continue;
      const run = this.env.store.runs.get(name);
      if (!run) continue;
      const x = xValues(run.cols, xAxis, run.info.record.startedAt);
      legend.push({ label: name, color: run.info.color });
      for (const line of this.lines) {
        const raw = run.cols.values[line.key];
        const label = this.lines.length > 1 ? `${name} · ${line.label}` : name;
        if (smoothing > 0) {
          const sm = new EmaSmoother(smoothing);
          lines.push({ label: `${label} (raw)`, color: run.info.color, dash: line.dash, opacity: RAW_ALPHA, x, y: raw });
          lines.push({ label, color: run.info.color, dash: line.dash, x, y: raw.map((v) => sm.next(v)) });
        } else {
          lines.push({ label, color: run.info.color, dash: line.dash, x, y: raw });
        }
      }
    }
    const xs = u.scales.x;
    const ys = u.scales.y;
    const svg = buildSvgChart({
      title: this.def.title,
      width: 800,
      height: 360,
      xRange: [xs.min ?? 0, xs.max ?? 1],
      yRange: [ys.min ?? 0, ys.max ?? 1],
      yLog: logScale,
      xLabel: X_AXIS_LABELS[xAxis],
      lines,
      legend,
      formatX: (v) => formatX(xAxis, v),
      xTicks: xAxis === 'epoch' ? undefined : durationTicks,
      formatY: (v) => formatY(this.def.unit, v),
      colors: { background: theme.background, foreground: theme.foreground, grid: theme.grid },
      fontFamily: theme.fontFamily,
    });
    this.env.exportFile('svg', this.fileStem(), svg);
  }
}
