// A chart as a standalone SVG document, built from the data (not a screenshot): axes with ticks,
// one path per run line, a legend. Long series are reduced to the first/min/max/last point of each
// pixel column, which draws the same picture with a bounded file size.
import type { Value } from '../src/shared/panel/series';

export interface SvgLine {
  label: string;
  color: string;
  dash?: readonly number[];
  /** 0…1; faint raw lines behind smoothed ones. */
  opacity?: number;
  x: readonly Value[];
  y: readonly Value[];
}

export interface SvgChartSpec {
  title: string;
  width: number;
  height: number;
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  /** Logarithmic y axis (values <= 0 are left out). */
  yLog?: boolean;
  xLabel: string;
  lines: readonly SvgLine[];
  legend: ReadonlyArray<{ label: string; color: string }>;
  /** Dashed vertical lines with a label (phase changes of freeze schedules). */
  markers?: ReadonlyArray<{ x: number; label: string; color: string }>;
  formatX: (v: number) => string;
  /** x tick values; default: round decimal steps. */
  xTicks?: (min: number, max: number, count: number) => number[];
  formatY: (v: number) => string;
  colors: { background: string; foreground: string; grid: string };
  fontFamily?: string;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** About `count` round tick values (1, 2, 2.5, 5 × 10^k steps) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  if (min > max) [min, max] = [max, min];
  const raw = (max - min) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let v = first; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis: powers of ten, with 2× and 5× when the range spans few decades. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0)) return [];
  if (min > max) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mults = hi - lo <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of mults) {
      const v = Number((m * Math.pow(10, e)).toPrecision(12));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/** Pixel points of one line, reduced to at most 4 per pixel column. */
export function linePoints(
  xs: readonly Value[],
  ys: readonly Value[],
  toPx: (x: number) => number,
  toPy: (y: number) => number,
  yLog: boolean,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let col = NaN;
  let first: [number, number] | undefined;
  let min: [number, number] | undefined;
  let max: [number, number] | undefined;
  let last: [number, number] | undefined;
  const flush = () => {
    if (!first) return;
    const pts = [first, min!, max!, last!].filter((p, i, a) => a.indexOf(p) === i);
    // Keep the column's points in x order so the path does not double back.
    pts.sort((a, b) => a[0] - b[0]);
    out.push(...pts);
  };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === null || y === null || x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (yLog && y <= 0) continue;
    const p: [number, number] = [toPx(x), toPy(y)];
    const c = Math.floor(p[0]);
    if (c !== col) {
      flush();
      col = c;
      first = min = max = last = p;
    } else {
      last = p;
      if (p[1] < min![1]) min = p;
      if (p[1] > max![1]) max = p;
    }
  }
  flush();
  return out;
}

export function buildSvgChart(spec: SvgChartSpec): string {
  const { width: W, colors } = spec;
  const font = spec.fontFamily ?? 'sans-serif';
  const left = 72;
  const right = 32;
  const top = 32;
  // Legend: items flow in rows under the x axis label.
  const legendItems: Array<{ x: number; row: number; label: string; color: string }> = [];
  let lx = left;
  let row = 0;
  for (const item of spec.legend) {
    const w = 26 + item.label.length * 7 + 14;
    if (lx + w > W - right && lx > left) {
      row++;
      lx = left;
    }
    legendItems.push({ x: lx, row, label: item.label, color: item.color });
    lx += w;
  }
  const legendRows = spec.legend.length ? row + 1 : 0;
  const H = spec.height + legendRows * 18;
  const bottom = 44 + legendRows * 18;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const [x0, x1] = spec.xRange[0] === spec.xRange[1] ? [spec.xRange[0] - 0.5, spec.xRange[1] + 0.5] : spec.xRange;
  const yLog = spec.yLog === true;
  const ty = (v: number) => (yLog ? Math.log10(v) : v);
  let [y0, y1] = [ty(spec.yRange[0]), ty(spec.yRange[1])];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [0, 1];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const toPx = (x: number) => left + ((x - x0) / (x1 - x0)) * plotW;
  const toPy = (y: number) => top + plotH - ((ty(y) - y0) / (y1 - y0)) * plotH;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(font)}" font-size="11">`,
  );
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<rect width="${W}" height="${H}" fill="${escapeXml(colors.background)}"/>`);
  parts.push(
    `<text x="${left}" y="20" font-size="13" font-weight="600" fill="${escapeXml(colors.foreground)}">${escapeXml(spec.title)}</text>`,
  );
  parts.push(`<defs><clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`);

  const yTicks = yLog ? logTicks(spec.yRange[0], spec.yRange[1]) : niceTicks(spec.yRange[0], spec.yRange[1], 5);
  for (const v of yTicks) {
    const py = fmt(toPy(v));
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${py}" y2="${py}" stroke="${escapeXml(colors.grid)}" stroke-width="1"/>`);
    parts.push(
      `<text x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" fill="${escapeXml(colors.foreground)}">${escapeXml(spec.formatY(v))}</text>`,
    );
  }
  for (const v of (spec.xTicks ?? niceTicks)(x0, x1, Math.max(2, Math.floor(plotW / 90)))) {
    const px = fmt(toPx(v));
    parts.push(`<line x1="${px}" x2="${px}" y1="${top}" y2="${top + plotH}" stroke="${escapeXml(colors.grid)}" stroke-width="1"/>`);
    parts.push(
      `<text x="${px}" y="${top + plotH + 16}" text-anchor="middle" fill="${escapeXml(colors.foreground)}">${escapeXml(spec.formatX(v))}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="${escapeXml(colors.foreground)}" stroke-opacity="0.5"/>`,
  );
  parts.push(
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" fill="${escapeXml(colors.foreground)}">${escapeXml(spec.xLabel)}</text>`,
  );

  parts.push('<g clip-path="url(#plot)" fill="none" stroke-width="1.5" stroke-linejoin="round">');
  for (const line of spec.lines) {
    const pts = linePoints(line.x, line.y, toPx, toPy, yLog);
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${fmt(p[0])} ${fmt(p[1])}`).join('');
    const dash = line.dash?.length ? ` stroke-dasharray="${line.dash.join(' ')}"` : '';
    const op = line.opacity !== undefined && line.opacity < 1 ? ` stroke-opacity="${line.opacity}"` : '';
    parts.push(`<path d="${d}" stroke="${escapeXml(line.color)}"${dash}${op}><title>${escapeXml(line.label)}</title></path>`);
  }
  parts.push('</g>');
  (spec.markers ?? []).forEach((m, k) => {
    const px = toPx(m.x);
    if (!(px >= left && px <= left + plotW)) return;
    const c = escapeXml(m.color);
    parts.push(
      `<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${top}" y2="${top + plotH}" stroke="${c}" stroke-width="1.25" stroke-dasharray="5 4"><title>${escapeXml(m.label)}</title></line>`,
    );
    const anchor = px > left + plotW * 0.7 ? 'end' : 'start';
    const tx = fmt(anchor === 'end' ? px - 4 : px + 4);
    parts.push(
      `<text x="${tx}" y="${top + 12 + (k % 4) * 14}" text-anchor="${anchor}" fill="${escapeXml(colors.foreground)}">${escapeXml(m.label)}</text>`,
    );
  });

  const legendTop = top + plotH + 44;
  for (const it of legendItems) {
    const y = legendTop + it.row * 18;
    parts.push(`<rect x="${it.x}" y="${y - 5}" width="18" height="3" fill="${escapeXml(it.color)}"/>`);
    parts.push(
      `<text x="${it.x + 24}" y="${y}" dominant-baseline="middle" fill="${escapeXml(colors.foreground)}">${escapeXml(it.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
