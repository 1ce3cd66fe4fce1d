// Human-readable cost figures: the short line under `transfer-lab modules` and numbers for views.
import type { CostReport } from './estimateCost';

/** 3.91 MFLOP, 16.4 GFLOP… */
export function formatFlops(flops: number): string {
  const units: Array<[number, string]> = [
    [1e12, 'TFLOP'],
    [1e9, 'GFLOP'],
    [1e6, 'MFLOP'],
    [1e3, 'kFLOP'],
  ];
  for (const [scale, unit] of units) if (flops >= scale) return `${(flops / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(flops)} FLOP`;
}

/** 2.9 MB, 348 KB… (binary units). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toPrecision(3)} GB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 ** 2).toPrecision(3)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toPrecision(3)} KB`;
  return `${Math.round(bytes)} B`;
}

function times(x: number): string {
  return x >= 10 ? `${Math.round(x)}x` : `${x.toFixed(1)}x`;
}

/**
 * One or two lines: per-image FLOPs forward and backward, activation memory, and the predicted
 * speed-up over training everything (and with the frozen-prefix cache when the trainer would use it).
 */
export function formatCostLines(cost: CostReport): string[] {
  const t = cost.total;
  const lines = [
    `cost per image: forward ${formatFlops(t.forwardFlops)}, backward ${formatFlops(t.backwardFlops)} (${formatFlops(cost.full.backwardFlops)} with nothing frozen), ` +
      `activations kept ${formatBytes(t.activationBytes)}`,
  ];
  let speed = `predicted step time: ${times(cost.speedup)} faster than training everything`;
  if (cost.cache.applies && cost.cache.speedupVsFull !== undefined) {
    speed +=
      `; ${times(cost.cache.speedupVsFull)} with the frozen-prefix cache` +
      (cost.cache.bytesPerImage !== undefined ? ` (${formatBytes(cost.cache.bytesPerImage)} cached per image)` : '');
  }
  lines.push(speed);
  if (cost.unknown.length) {
    lines.push(
      `cost incomplete: ${cost.unknown.length} module${cost.unknown.length === 1 ? '' : 's'} counted as 0 — ${cost.unknown[0].reason}`,
    );
  }
  return lines;
}
