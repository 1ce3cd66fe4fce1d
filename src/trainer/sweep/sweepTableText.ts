// The sweep's comparison table as aligned text columns (the `transfer-lab sweep` output), with a
// legend saying what each figure is: which score (accuracy, or mAP@0.5 for YOLOv5 runs), which
// memory (GPU, RSS or tensors) and which run the deltas are against.
import { formatBytes, formatCount, formatPercent } from '../../shared/panel/format';
import {
  MEMORY_DESCRIPTION,
  MEMORY_MEASURES,
  MEMORY_SHORT,
  memoryValue,
  SCORE_SHORT,
  type MemoryMeasure,
} from '../../shared/panel/measures';
import { freezeCell } from '../../shared/panel/scheduleText';
import type { SweepRow, SweepTable } from './sweepTable';

function fixed(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function signed(v: number | null, digits: number, unit: string): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const s = v.toFixed(digits);
  // "-0.0" reads as a loss: no change is "+0.0".
  return `${Number(s) === 0 ? `+${(0).toFixed(digits)}` : v > 0 ? `+${s}` : s}${unit}`;
}

function speedup(v: number | null): string {
  return v === null || !Number.isFinite(v) || v <= 0 ? '–' : `${v.toFixed(v >= 10 ? 0 : 1)}x`;
}

/** The row's peak on the table's measure; on its own best measure, named, when the runs share none. */
function peak(r: SweepRow, shared: MemoryMeasure | null): string {
  if (shared) return formatBytes(memoryValue(r, shared));
  const own = MEMORY_MEASURES.find((m) => memoryValue(r, m) !== null);
  return own ? `${formatBytes(memoryValue(r, own))} ${MEMORY_SHORT[own]}` : '–';
}

/** Numeric columns are right-aligned. */
const RIGHT = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);

/** The table as aligned text columns, with a legend saying what each figure is. */
export function formatSweepTable(t: SweepTable): string {
  const score = t.metric ? SCORE_SHORT[t.metric] : '';
  const headers = [
    'freeze',
    'what',
    'status',
    'trainable',
    score ? `best ${score}` : 'best',
    's/epoch',
    'epochs s',
    'wall s',
    t.memory ? `peak ${MEMORY_SHORT[t.memory]}` : 'peak mem',
    score ? `Δ ${score}` : 'Δ best',
    'speed-up',
    'Δ mem',
  ];
  const body = t.runs.map((r) => {
    const base = r.run === t.baseline || (r.baseline === null && t.runs.some((o) => o.baseline === r.run));
    const d = r.delta;
    return [
      freezeCell(r),
      r.label,
      r.status,
      r.trainableParams === null
        ? '–'
        : `${formatCount(r.trainableParams)}${r.totalParams !== null ? ` / ${formatCount(r.totalParams)}` : ''}`,
      `${formatPercent(r.best)}${t.metric ? '' : ` ${r.metric}`}`,
      fixed(r.secondsPerEpoch, 2),
      fixed(r.totalSeconds, 1),
      fixed(r.wallSeconds, 1),
      peak(r, t.memory),
      base ? 'baseline' : signed(d?.scorePt ?? null, 1, ' pt'),
      base ? '' : speedup(d?.speedup ?? null),
      base ? '' : `${signed(d?.memoryPct ?? null, 0, '%')}${d?.memory && d.memory !== t.memory ? ` ${MEMORY_SHORT[d.memory]}` : ''}`,
    ];
  });
  const widths = headers.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (RIGHT.has(c) ? s.padStart(widths[c]) : s.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(`sweep ${t.sweep}: ${t.status}${t.engine ? `, engine ${t.engine}${t.device ? ` on ${t.device}` : ''}` : ''}`);
  if (t.pretrain) {
    out.push(
      `pretrained weights ${t.pretrain.weights} (sha256 ${t.pretrain.weightsSha256.slice(0, 12)}…, ${t.pretrain.ran ? `made by run ${t.pretrain.run} in this sweep` : t.pretrain.run ? `reused from run ${t.pretrain.run}` : 'reused'})`,
    );
  }
  out.push('', line(headers), line(widths.map((w) => '-'.repeat(w))), ...body.map(line));
  for (const r of t.runs) if (r.error) out.push(`${r.run}: ${r.error}`);
  // Runs split off by a changed experiment (other data or model) are compared within their own group only.
  for (const r of t.runs) {
    if (r.baseline !== null && r.baseline !== t.baseline)
      out.push(`${r.run}: Δ vs ${r.baseline} (same data and model; not ${t.baseline ?? 'the others'})`);
    if (r.note) out.push(`${r.run}: not compared: ${r.note}`);
  }
  out.push('');
  const metricName = t.metric ?? 'the best score (accuracy, or mAP@0.5 for detection)';
  const memory = t.memory ? MEMORY_DESCRIPTION[t.memory] : 'peak memory on the best measure both runs have (GPU, else RSS, else tensors)';
  out.push(
    t.baseline
      ? `Δ vs ${t.baseline} (nothing frozen): ${metricName} in points, speed-up = its s/epoch ÷ this s/epoch, memory = change of ${memory}.`
      : 'No run freezes nothing, so there is no baseline to compare against (add --freeze 0).',
  );
  out.push(
    's/epoch and epochs s: training + validation per epoch; wall s: the whole run (engine start, data loading, frozen-prefix cache, epochs).',
  );
  return out.join('\n');
}
