// The LR finder's chart in the panel: loss against learning rate on a log axis (decades), the
// smoothed loss over the faint per-batch loss, and both suggestions as vertical lines — the one
// suggested solid, the other dashed — named in the legend and the caption. Drawn as an SVG
// (svgChart.ts) from the result the host sent; redrawn when the theme changes.
import type { LrFindResult } from '../src/shared/lrFind/contract';
import { describeSuggestions, formatLr } from '../src/shared/lrFind/lrText';
import { el } from './dom';
import { buildSvgChart, type SvgLine } from './svgChart';
import type { ThemeColors } from './theme';

export const LR_FIND_CHART_ID = 'lr-find';
export const LR_FIND_TITLE = 'loss vs learning rate';
const SUGGESTED = '#e5a00d';
const OTHER = '#3794ff';
const LINE = '#89d185';

const ENDS: Record<LrFindResult['end'], string> = {
  completed: 'ran the whole range',
  diverged: 'stopped when the smoothed loss passed 4× its best',
  'non-finite': 'stopped at a NaN or infinite loss',
};

/** Decade ticks over a log10 range (the x values are log10 of the LR). */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let v = Math.ceil(min); v <= Math.floor(max); v++) out.push(v);
  return out;
}

/** The chart's SVG text for `r` in the theme's colours. */
export function lrFindSvg(r: LrFindResult, theme: ThemeColors, width = 800): string {
  const x = r.lrs.map((lr) => Math.log10(lr));
  const low = Math.min(...r.smoothed, ...r.losses);
  // The top is the start of the curve (and the blow-up past it is cut off, as fastai's plot does).
  const high = Math.max(...r.smoothed.slice(0, Math.max(1, r.smoothed.indexOf(Math.min(...r.smoothed)) + 1)), low + 1e-6);
  const pad = (high - low) * 0.08;
  const yRange: [number, number] = [low - pad, high + pad * 2];
  const lines: SvgLine[] = [
    { label: 'loss (per batch)', color: LINE, opacity: 0.3, x, y: r.losses },
    { label: 'smoothed loss', color: LINE, x, y: r.smoothed },
  ];
  const legend = [{ label: 'smoothed loss (faint: per batch)', color: LINE }];
  const s = r.suggestions;
  const marks: Array<[string, number | undefined, boolean]> = [
    ['steepest descent', s.steepest, s.suggested === 'steepest'],
    ['minimum ÷ 10', s.minimumTenth, s.suggested === 'minimum'],
  ];
  for (const [name, lr, suggested] of marks) {
    if (lr === undefined) continue;
    const label = `${suggested ? 'suggested: ' : ''}${name} ${formatLr(lr)}`;
    const color = suggested ? SUGGESTED : OTHER;
    lines.push({ label, color, dash: suggested ? undefined : [5, 4], x: [Math.log10(lr), Math.log10(lr)], y: yRange });
    legend.push({ label, color });
  }
  return buildSvgChart({
    title: `${LR_FIND_TITLE} — ${r.name}`,
    width,
    height: 340,
    xRange: [x[0] ?? Math.log10(r.startLr), x[x.length - 1] ?? Math.log10(r.endLr)],
    yRange,
    // Said in the heading: under the axis it would collide with the legend's long entries.
    xLabel: '',
    lines,
    legend,
    formatX: (v) => `1e${v}`,
    xTicks: decades,
    formatY: (v) => v.toPrecision(3),
    colors: { background: theme.background, foreground: theme.foreground, grid: theme.grid },
    fontFamily: theme.fontFamily,
  });
}

/** The caption under the chart: what ran, how it ended, what is suggested. */
export function lrFindCaption(r: LrFindResult): string {
  return (
    `${r.lrs.length} of ${r.steps} steps (batch ${r.batch}, ${r.optimizer}, freeze ${JSON.stringify(r.freeze)}, ${r.engine}), ` +
    `${ENDS[r.end]}. ${describeSuggestions(r.suggestions)}.`
  );
}

export class LrFindSection {
  readonly section = el('section', 'tl-lr-find');
  private result: LrFindResult | undefined;

  constructor() {
    this.section.hidden = true;
    this.section.setAttribute('aria-label', 'Learning rate finder');
    this.section.dataset.chart = LR_FIND_CHART_ID;
  }

  get shown(): boolean {
    return this.result !== undefined;
  }

  show(result: LrFindResult, theme: ThemeColors): void {
    this.result = result;
    this.draw(theme);
  }

  /** Redraws in the current theme's colours. */
  draw(theme: ThemeColors): void {
    const r = this.result;
    if (!r) return;
    const svg = new DOMParser().parseFromString(lrFindSvg(r, theme), 'image/svg+xml').documentElement;
    const figure = el('figure', 'tl-lr-find-figure');
    figure.append(document.importNode(svg, true), el('figcaption', 'tl-lr-find-caption', lrFindCaption(r)));
    this.section.replaceChildren(el('h3', undefined, `Learning rate finder: ${LR_FIND_TITLE} (log scale)`), figure);
    this.section.hidden = false;
  }
}
