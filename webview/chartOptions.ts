// uPlot's options for one chart: the axes and their tick steps per unit (epochs, durations, binary
// byte sizes), each series' stroke (run colour, line dash, thinner where points outnumber pixels,
// faint raw lines under smoothed ones), and the cursor wiring that keeps hover and zoom in sync
// across charts. Kept apart from ChartView, which owns the chart's state and reacts to the hooks.
import type uPlot from 'uplot';
import { DURATION_INCRS, formatX, formatY, type ChartDef } from './charts';
import type { ChartSeries, ChartSettings } from './chartSeries';
import type { StoredRun } from './runStore';
import type { ThemeColors } from './theme';
import { drawPhaseLines, markerKey, type ChartMarker } from './phaseLines';

export const PLOT_HEIGHT = 240;
export const Y_AXIS_SIZE = 70;
/** Opacity of the raw line under its smoothed one. */
export const RAW_ALPHA = 0.25;
const EPOCH_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];
/** Byte axes tick at round binary sizes (256 MiB, 1 GiB) rather than round decimals. */
const BYTE_INCRS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
  .flatMap((m) => [m, m * 1024, m * 1024 ** 2, m * 1024 ** 3])
  .sort((a, b) => a - b);

export interface PlotSpec {
  def: ChartDef;
  series: ChartSeries;
  /** In store order, as series.runNames. */
  runs: StoredRun[];
  settings: ChartSettings;
  theme: ThemeColors;
  /** Whether the drawn view is reduced (more points than pixels): thinner lines. */
  dense: boolean;
  width: number;
  isVisible(run: string): boolean;
  /** Phase changes to mark (phaseLines.ts), every run's: hidden runs' are skipped when drawing. */
  markers: readonly ChartMarker[];
}

/** What the chart does when the user acts on the plot. */
export interface PlotHandlers {
  /** Double-click: every chart back to the full x range. */
  resetZoom(): void;
  /** The pointer entered (true) or left (false) the plot. */
  hover(on: boolean): void;
  onScale(u: uPlot, key: string): void;
  onCursor(u: uPlot): void;
}

/** Everything the options depend on: a new key means a new uPlot instance, the same key only new data. */
export function plotShapeKey(spec: PlotSpec): string {
  const { xAxis, smoothing, logScale } = spec.settings;
  const { lines, runNames } = spec.series;
  return [
    lines.map((l) => l.key).join(),
    smoothing > 0,
    logScale,
    xAxis,
    spec.dense,
    runNames.join('\u0000'),
    spec.runs.map((r) => r.info.color).join(),
    JSON.stringify(spec.theme),
    markerKey(spec.markers),
  ].join('|');
}

function seriesOptions(spec: PlotSpec): uPlot.Series[] {
  const { series, runs, theme, dense } = spec;
  const smoothOn = spec.settings.smoothing > 0;
  return series.refs.map((ref): uPlot.Series => {
    const faint = smoothOn && !ref.smoothed;
    const run = runs[ref.run];
    // Thin lines where points outnumber pixels: the min/max zig-zag reads better, and thick
    // anti-aliased strokes of thousands of segments cost many times more to rasterise.
    const width = faint ? 1 : dense ? (theme.highContrast ? 1.5 : 1) : theme.highContrast ? 2.5 : 1.75;
    return {
      label: series.lines.length > 1 ? `${run.info.record.name} · ${ref.line.label}` : run.info.record.name,
      stroke: run.info.color,
      width,
      alpha: faint ? RAW_ALPHA : 1,
      dash: ref.line.dash,
      spanGaps: true,
      show: spec.isVisible(run.info.record.name),
      points: { show: false },
    };
  });
}

export function plotOptions(spec: PlotSpec, handlers: PlotHandlers): uPlot.Options {
  const { theme } = spec;
  const { xAxis, logScale } = spec.settings;
  const unit = spec.def.unit;
  const font = `${Math.max(10, theme.fontSize - 2)}px ${theme.fontFamily}`;
  const axis: uPlot.Axis = {
    stroke: theme.axis,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    font,
  };
  return {
    width: spec.width,
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
      {
        ...axis,
        size: Y_AXIS_SIZE,
        values: (_u, splits) => splits.map((v) => formatY(unit, v)),
        ...(unit === 'bytes' && !logScale ? { incrs: BYTE_INCRS } : {}),
      },
    ],
    series: [{}, ...seriesOptions(spec)],
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
          handlers.resetZoom();
          return null;
        },
        mouseenter: (_u, _t, handler) => (e) => {
          handlers.hover(true);
          return handler(e);
        },
        mouseleave: (_u, _t, handler) => (e) => {
          handlers.hover(false);
          return handler(e);
        },
      },
    },
    hooks: {
      setScale: [(u, key) => handlers.onScale(u, key)],
      setCursor: [(u) => handlers.onCursor(u)],
      draw: [
        (u) =>
          drawPhaseLines(
            u,
            spec.markers.filter((m) => spec.isVisible(m.run)),
            theme,
            xAxis,
          ),
      ],
    },
  };
}
