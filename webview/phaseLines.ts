// Phase changes of freeze schedules (an unfreeze: phaseMarkers.ts) on every chart: a dashed vertical
// line in the run's colour where the new phase begins, labelled with what changed, drawn on uPlot's
// canvas after the series; and the same changes as text next to the chart, for screen readers and
// for anyone who cannot tell the runs' colours apart.
import type uPlot from 'uplot';
import { phaseMarkers, type PhaseMarker } from './phaseMarkers';
import type { XAxisMode } from '../src/shared/panel/series';
import { formatX } from './charts';
import type { StoredRun } from './runStore';
import type { ThemeColors } from './theme';

export interface ChartMarker extends PhaseMarker {
  run: string;
  color: string;
}

/** Every run's phase changes on the x axis `mode`, in store order. */
export function chartMarkers(runs: readonly StoredRun[], mode: XAxisMode): ChartMarker[] {
  return runs.flatMap((r) =>
    phaseMarkers(r.cols, mode, r.info.record.phases, r.info.record.startedAt).map((m) => ({
      ...m,
      run: r.info.record.name,
      color: r.info.color,
    })),
  );
}

/** Changes when what the markers draw changes (a new uPlot instance then draws them). */
export function markerKey(markers: readonly ChartMarker[]): string {
  return markers.map((m) => `${m.run}@${m.x}:${m.label}:${m.color}`).join('\u0000');
}

/** "Phase changes: s1-fine-tune from epoch 2 (freeze 6 → 0)." for the shown runs; '' when none. */
export function phaseNoteText(markers: readonly ChartMarker[], isVisible: (run: string) => boolean): string {
  const shown = markers.filter((m) => isVisible(m.run));
  if (!shown.length) return '';
  return `Phase changes (dashed lines): ${shown.map((m) => `${m.run} from epoch ${m.epoch} (${m.label})`).join('; ')}.`;
}

/** Draws the shown markers over the plot (uPlot's `draw` hook). */
export function drawPhaseLines(u: uPlot, markers: readonly ChartMarker[], theme: ThemeColors, mode: XAxisMode): void {
  if (!markers.length) return;
  const ctx = u.ctx;
  const ratio = ctx.canvas.width / Math.max(1, u.width);
  const { left, top, width, height } = u.bbox;
  const fontPx = Math.max(10, theme.fontSize - 2) * ratio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.font = `${fontPx}px ${theme.fontFamily}`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  markers.forEach((m, k) => {
    const px = Math.round(u.valToPos(m.x, 'x', true));
    if (px < left || px > left + width) return;
    ctx.strokeStyle = m.color;
    ctx.lineWidth = (theme.highContrast ? 2 : 1.25) * ratio;
    ctx.setLineDash([5 * ratio, 4 * ratio]);
    ctx.beginPath();
    ctx.moveTo(px + 0.5, top);
    ctx.lineTo(px + 0.5, top + height);
    ctx.stroke();
    // Labels of nearby markers step down so they do not overprint each other.
    const text = markers.length > 1 ? `${m.label} (${m.run}, ${formatX(mode, m.x)})` : m.label;
    const y = top + 4 * ratio + (k % 4) * (fontPx + 4 * ratio);
    const w = ctx.measureText(text).width;
    const x = px + 4 * ratio + w > left + width ? px - 4 * ratio - w : px + 4 * ratio;
    ctx.fillStyle = theme.background;
    ctx.globalAlpha = 0.8;
    ctx.fillRect(x - 2 * ratio, y - 1 * ratio, w + 4 * ratio, fontPx + 2 * ratio);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.foreground;
    ctx.fillText(text, x, y);
  });
  ctx.restore();
}

/** A chart's markers and the text that names them (ChartView owns one). */
export class PhaseMarks {
  readonly note = document.createElement('p');
  /** Every run's phase changes as last computed (drawn for the shown runs). */
  markers: ChartMarker[] = [];

  constructor() {
    this.note.className = 'tl-phase-note';
    this.note.hidden = true;
  }

  /** Recomputes the markers; none on a chart that draws nothing (it shows its empty note). */
  update(runs: readonly StoredRun[], mode: XAxisMode, drawn: boolean, isVisible: (run: string) => boolean): void {
    this.markers = drawn ? chartMarkers(runs, mode) : [];
    this.updateNote(isVisible);
  }

  /** Whether appended epochs brought a new phase change (the chart must be redrawn). */
  changed(runs: readonly StoredRun[], mode: XAxisMode): boolean {
    return markerKey(chartMarkers(runs, mode)) !== markerKey(this.markers);
  }

  has(run: string): boolean {
    return this.markers.some((m) => m.run === run);
  }

  /** The note names the shown runs' changes only. */
  updateNote(isVisible: (run: string) => boolean): void {
    const text = phaseNoteText(this.markers, isVisible);
    this.note.textContent = text;
    this.note.hidden = text === '';
  }
}
