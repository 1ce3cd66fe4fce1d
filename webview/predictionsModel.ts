// What the Predictions section shows, computed from runs' predictions files (no DOM): the
// confusion matrix as counts or row shares, per-class accuracy, the most confused pairs, and for
// two runs the validation images one gets right and the other wrong. Pure, unit-tested.
import type { Predictions } from '../src/shared/runFolder/predictions';

/** confusion[t][p] / (images of true class t); a class with no images gives a row of nulls. */
export function rowNormalized(confusion: readonly (readonly number[])[]): Array<Array<number | null>> {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : null));
  });
}

/** Per true class: the share of its images predicted as it (recall); null when it has none. */
export function perClassAccuracy(confusion: readonly (readonly number[])[]): Array<number | null> {
  return confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row[t] / total : null;
  });
}

export interface CellValue {
  text: string;
  /** 0…1 */
  heat: number;
  label: string;
}

function pct(x: number | null): string {
  // One decimal, none when it is 0: "50%", "33.3%".
  return x === null ? '–' : `${Math.round(1000 * x) / 10}%`;
}

/**
 * Each cell's text, colour intensity and spoken label: counts or row shares. The diagonal (green)
 * and the mistakes (red) are each scaled to their own largest value, so the worst confusion is as
 * vivid as the best class even when it is a few images against hundreds right.
 */
export function confusionCells(p: Predictions, normalized: boolean): CellValue[][] {
  const shares = rowNormalized(p.confusion);
  const value = (t: number, q: number) => (normalized ? (shares[t][q] ?? 0) : p.confusion[t][q]);
  let maxHit = 0;
  let maxMiss = 0;
  p.confusion.forEach((row, t) =>
    row.forEach((_, q) => {
      if (q === t) maxHit = Math.max(maxHit, value(t, q));
      else maxMiss = Math.max(maxMiss, value(t, q));
    }),
  );
  return p.confusion.map((row, t) =>
    row.map((count, q) => {
      const share = shares[t][q];
      const label = `true ${p.classes[t]}, predicted ${p.classes[q]}: ${count} image${count === 1 ? '' : 's'} (${pct(share)} of ${p.classes[t]})`;
      const max = q === t ? maxHit : maxMiss;
      return { text: normalized ? pct(share) : String(count), heat: max > 0 ? value(t, q) / max : 0, label };
    }),
  );
}

export interface ConfusedPair {
  truth: number;
  predicted: number;
  count: number;
  /** count / images of the true class. */
  share: number;
}

/** The off-diagonal cells with a count, most images first (ties: by true then predicted class). */
export function mostConfused(confusion: readonly (readonly number[])[], limit = 5): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) pairs.push({ truth: t, predicted: p, count, share: count / total });
    });
  });
  pairs.sort((a, b) => b.count - a.count || a.truth - b.truth || a.predicted - b.predicted);
  return pairs.slice(0, limit);
}

export interface ComparedImage {
  index: number;
  truth: number;
  /** What run a and run b predicted for it. */
  a: number;
  b: number;
}

export type Comparison =
  | { comparable: true; aOnly: ComparedImage[]; bOnly: ComparedImage[]; bothWrong: number; bothRight: number }
  | { comparable: false; why: string };

/**
 * The validation images run `a` gets right and `b` wrong (`aOnly`), and the reverse (`bOnly`), in
 * validation order. Only runs validated on the same images (same classes, same true class per
 * index) compare: anything else would set different images side by side.
 */
export function compareRuns(a: Predictions, b: Predictions): Comparison {
  if (a.classes.join('\n') !== b.classes.join('\n')) return { comparable: false, why: 'the two runs have different classes' };
  if (a.truth.length !== b.truth.length)
    return { comparable: false, why: `the two runs validated on ${a.truth.length} and ${b.truth.length} images` };
  if (a.truth.some((t, i) => t !== b.truth[i])) return { comparable: false, why: 'the two runs validated on different images' };
  const aOnly: ComparedImage[] = [];
  const bOnly: ComparedImage[] = [];
  let bothWrong = 0;
  let bothRight = 0;
  for (let i = 0; i < a.truth.length; i++) {
    const t = a.truth[i];
    const ra = a.predicted[i] === t;
    const rb = b.predicted[i] === t;
    if (ra && !rb) aOnly.push({ index: i, truth: t, a: a.predicted[i], b: b.predicted[i] });
    else if (rb && !ra) bOnly.push({ index: i, truth: t, a: a.predicted[i], b: b.predicted[i] });
    else if (ra) bothRight++;
    else bothWrong++;
  }
  return { comparable: true, aOnly, bOnly, bothWrong, bothRight };
}

/** The thumbnail of validation image `index` from whichever run stored one (the same image in both). */
export function thumbnailOf(index: number, ...runs: readonly Predictions[]): string | undefined {
  for (const p of runs) {
    const t = p.thumbnails[String(index)];
    if (t) return t;
  }
  return undefined;
}

/** The confusion matrix as CSV rows: a header of predicted classes, one row per true class. */
export function confusionCsvRows(p: Predictions): Array<Array<string | number>> {
  return [['true \\ predicted', ...p.classes], ...p.confusion.map((row, t) => [p.classes[t], ...row])];
}
