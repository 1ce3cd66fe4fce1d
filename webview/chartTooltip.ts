// The hover box of one chart: every shown run's exact values at the x under the pointer (nearest
// point of each run, raw and smoothed), beside the cursor. uPlot's own legend shows one row per
// series; this shows one row per run, which is what a comparison reads.
import type uPlot from 'uplot';
import { lowerBound } from './align';
import { formatX, formatY, X_AXIS_LABELS, type ChartDef } from './charts';
import type { ChartSeries, ChartSettings } from './chartSeries';
import type { Value } from '../src/shared/panel/series';

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

/** What the tooltip reads at the moment it is shown. */
export interface TooltipSource {
  def: ChartDef;
  series: ChartSeries;
  settings: ChartSettings;
  isVisible(run: string): boolean;
  colorOf(run: string): string;
}

export class ChartTooltip {
  readonly el = document.createElement('div');
  private hovering = false;

  constructor() {
    this.el.className = 'tl-tooltip';
    this.el.hidden = true;
    this.el.setAttribute('aria-hidden', 'true');
  }

  hide(): void {
    this.el.hidden = true;
  }

  /** The pointer entered or left the plot: only a hovered chart shows its box. */
  setHovering(on: boolean): void {
    this.hovering = on;
    if (!on) this.hide();
  }

  /** uPlot moved its cursor: show the values under it, or hide when not hovering or nothing is drawn. */
  update(u: uPlot, src: TooltipSource | undefined, box: HTMLElement): void {
    const left = u.cursor.left;
    if (!this.hovering || left === undefined || left < 0 || !src) this.hide();
    else this.show(u, left, src, box);
  }

  /** The values at the cursor's x of `u`, placed within `box` (the chart's section). */
  private show(u: uPlot, left: number, src: TooltipSource, box: HTMLElement): void {
    const { xAxis, smoothing } = src.settings;
    const { full, runX, lines } = src.series;
    const unit = src.def.unit;
    const x = u.posToVal(left, 'x');
    const rows: HTMLElement[] = [];
    let shownX: number | undefined;
    src.series.runNames.forEach((name, r) => {
      if (!src.isVisible(name) || !runX[r].length) return;
      const rx = runX[r][nearest(runX[r], x)];
      if (rx === null || rx === undefined) return;
      const k = lowerBound(full.x, rx);
      if (full.x[k] !== rx) return;
      shownX ??= rx;
      const ys = full.ys[r];
      const parts = lines.map((line, l) => {
        const raw = ys[smoothing > 0 ? 2 * l : l][k];
        const sm = smoothing > 0 ? ys[2 * l + 1][k] : undefined;
        const label = lines.length > 1 ? `${line.label} ` : '';
        return `${label}${formatY(unit, sm ?? raw)}${sm !== undefined && raw !== null ? ` (raw ${formatY(unit, raw)})` : ''}`;
      });
      const row = document.createElement('div');
      const sw = document.createElement('span');
      sw.className = 'tl-swatch';
      sw.style.backgroundColor = src.colorOf(name);
      const text = document.createElement('span');
      text.textContent = `${name}: ${parts.join(' · ')}${xAxis === 'epoch' || rx === shownX ? '' : ` @ ${formatX(xAxis, rx)}`}`;
      row.append(sw, text);
      rows.push(row);
    });
    if (!rows.length) {
      this.hide();
      return;
    }
    const head = document.createElement('div');
    head.className = 'tl-tooltip-head';
    head.textContent = `${X_AXIS_LABELS[xAxis]} ${formatX(xAxis, shownX ?? x)}`;
    this.el.replaceChildren(head, ...rows);
    this.el.hidden = false;
    // Beside the cursor, flipped to its left near the right edge.
    const over = u.over.getBoundingClientRect();
    const frame = box.getBoundingClientRect();
    const tipW = this.el.offsetWidth;
    let px = over.left - frame.left + left + 14;
    if (px + tipW > frame.width) px = over.left - frame.left + left - tipW - 14;
    this.el.style.left = `${Math.max(0, px)}px`;
    this.el.style.top = `${over.top - frame.top + 4}px`;
  }
}
