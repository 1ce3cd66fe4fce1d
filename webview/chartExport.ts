// A chart as a file: PNG (the drawn canvas with a title and a legend of the shown runs painted
// around it) and SVG (redrawn from every point, not the reduced view, over the chart's current
// ranges). The webview only builds the data; the host asks where to save it.
import type uPlot from 'uplot';
import { durationTicks, formatX, formatY, X_AXIS_LABELS, type ChartDef, type ChartLine } from './charts';
import { RAW_ALPHA } from './chartOptions';
import type { ChartSettings } from './chartSeries';
import type { StoredRun } from './runStore';
import { xValues } from '../src/shared/panel/series';
import { EmaSmoother } from './smoothing';
import { buildSvgChart, type SvgLine } from './svgChart';
import type { ThemeColors } from './theme';
import { lrTrack } from './phaseMarkers';
import type { ChartMarker } from './phaseLines';

/** The drawn chart as a PNG data URL: title above, one legend entry per shown run below. */
export function chartPng(u: uPlot, title: string, shown: readonly StoredRun[], theme: ThemeColors): string {
  const src = u.ctx.canvas;
  const ratio = src.width / Math.max(1, u.width);
  const titleH = 28 * ratio;
  const legendH = Math.ceil(shown.length / 4) * 18 * ratio + 8 * ratio;
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height + titleH + legendH;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = theme.foreground;
  ctx.font = `600 ${14 * ratio}px ${theme.fontFamily}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 8 * ratio, titleH / 2);
  ctx.drawImage(src, 0, titleH);
  ctx.font = `${12 * ratio}px ${theme.fontFamily}`;
  const colW = out.width / 4;
  shown.forEach(({ info }, i) => {
    const x = (i % 4) * colW + 8 * ratio;
    const y = src.height + titleH + 8 * ratio + Math.floor(i / 4) * 18 * ratio + 9 * ratio;
    ctx.fillStyle = info.color;
    ctx.fillRect(x, y - 2 * ratio, 16 * ratio, 4 * ratio);
    ctx.fillStyle = theme.foreground;
    ctx.fillText(info.record.name, x + 22 * ratio, y);
  });
  return out.toDataURL('image/png');
}

/** The chart as an SVG drawing of every point of the shown `runs`, over `u`'s current ranges. */
export function chartSvg(
  u: uPlot,
  def: ChartDef,
  lines: readonly ChartLine[],
  runs: readonly StoredRun[],
  settings: ChartSettings,
  theme: ThemeColors,
  markers: readonly ChartMarker[] = [],
): string {
  const { xAxis, smoothing, logScale } = settings;
  const svgLines: SvgLine[] = [];
  const legend: Array<{ label: string; color: string }> = [];
  for (const run of runs) {
    const name = run.info.record.name;
    const steps = lines.some((l) => l.steps) ? lrTrack(run.cols, xAxis, run.info.record.startedAt) : undefined;
    const x = steps?.x ?? xValues(run.cols, xAxis, run.info.record.startedAt);
    legend.push({ label: name, color: run.info.color });
    for (const line of lines) {
      const raw = steps?.y ?? run.cols.values[line.key];
      const label = lines.length > 1 ? `${name} · ${line.label}` : name;
      if (smoothing > 0) {
        const sm = new EmaSmoother(smoothing);
        svgLines.push({ label: `${label} (raw)`, color: run.info.color, dash: line.dash, opacity: RAW_ALPHA, x, y: raw });
        svgLines.push({ label, color: run.info.color, dash: line.dash, x, y: raw.map((v) => sm.next(v)) });
      } else {
        svgLines.push({ label, color: run.info.color, dash: line.dash, x, y: raw });
      }
    }
  }
  const xs = u.scales.x;
  const ys = u.scales.y;
  return buildSvgChart({
    title: def.title,
    width: 800,
    height: 360,
    xRange: [xs.min ?? 0, xs.max ?? 1],
    yRange: [ys.min ?? 0, ys.max ?? 1],
    yLog: logScale,
    xLabel: X_AXIS_LABELS[xAxis],
    lines: svgLines,
    legend,
    markers: markers
      .filter((m) => runs.some((r) => r.info.record.name === m.run))
      .map((m) => ({ x: m.x, color: m.color, label: `${m.label} (${m.run}, from epoch ${m.epoch})` })),
    formatX: (v) => formatX(xAxis, v),
    xTicks: xAxis === 'epoch' ? undefined : durationTicks,
    formatY: (v) => formatY(def.unit, v),
    colors: { background: theme.background, foreground: theme.foreground, grid: theme.grid },
    fontFamily: theme.fontFamily,
  });
}
