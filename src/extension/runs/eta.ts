// Time left for a run, from what it reported: the mean length of its finished epochs (from
// metrics.jsonl) and how far the current epoch got (batch events). Pure: unit-tested.

export interface EtaInput {
  /** Epochs planned. */
  epochs: number;
  /** Epochs finished. */
  epochsDone: number;
  /** Seconds of each finished epoch, as reported (epoch_seconds). */
  epochSeconds: readonly number[];
  /** Batches done / batches per epoch in the current epoch, when known. */
  batch?: { done: number; of: number };
  /** Seconds since the current epoch began, when known. */
  currentEpochElapsed?: number;
}

/** Seconds left, or undefined while there is nothing to estimate from. */
export function estimateSecondsLeft(i: EtaInput): number | undefined {
  const remainingEpochs = Math.max(0, i.epochs - i.epochsDone);
  if (remainingEpochs === 0) return 0;
  const frac = i.batch && i.batch.of > 0 ? Math.min(1, Math.max(0, i.batch.done / i.batch.of)) : 0;
  let perEpoch: number | undefined;
  const recent = i.epochSeconds.slice(-5).filter((s) => Number.isFinite(s) && s > 0);
  if (recent.length > 0) perEpoch = recent.reduce((a, b) => a + b, 0) / recent.length;
  else if (frac > 0 && i.currentEpochElapsed !== undefined && i.currentEpochElapsed > 0) perEpoch = i.currentEpochElapsed / frac;
  if (perEpoch === undefined) return undefined;
  // What is left of the current epoch: measured when possible, else its share of a mean epoch.
  const currentLeft =
    frac > 0 && i.currentEpochElapsed !== undefined && recent.length === 0
      ? i.currentEpochElapsed / frac - i.currentEpochElapsed
      : perEpoch * (1 - frac);
  return Math.max(0, currentLeft + (remainingEpochs - 1) * perEpoch);
}

/** `45s`, `3m 20s`, `1h 05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
