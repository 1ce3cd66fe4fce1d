// Each module's effective learning-rate multiplier (× `train.lr`), from `train.lrMult` (explicit
// per-module or per-range values) or `train.lrRange` (fastai's discriminative rates, `lr: [min, max]`).
// One function shared by the trainer (which builds one optimizer group per multiplier) and the host
// (whose Modules view shows each module's multiplier), so both always agree.
//
// Choices, where the issue left them open:
// - `lrMult`: the NARROWEST entry that covers a module wins (`3: 0.5` beats `0-5: 0.1`, `6-9` beats
//   `6-`), so the answer does not depend on the order of keys in the YAML mapping. The parser refuses
//   entries that overlap without one containing the other; between two entries of the same range
//   (which the parser also refuses) the later one wins.
// - `lrRange`: spread geometrically over the TRAINABLE modules only: the first trainable module gets
//   min/max, the last one 1 (= `lr` = max), the k-th of n trainable ones (min/max)^(1 − k/(n−1)); a
//   single trainable module gets 1. With a freeze schedule the spread is recomputed per phase, as the
//   trainable set changes.
// - Frozen modules get 0: they do not learn, so their effective multiplier is none, whatever the file
//   would give them once unfrozen (`wouldBe` gives that value, e.g. for a hover).
import type { LrMultiplier, TrainSettings } from './types';

export type LrSettings = Pick<TrainSettings, 'lrMult' | 'lrRange'>;

/** One multiplier per module 0…moduleCount-1: 0 for frozen modules, 1 where nothing is set. */
export function moduleLrMultipliers(train: LrSettings, moduleCount: number, trainable: (i: number) => boolean): number[] {
  const indices = Array.from({ length: moduleCount }, (_, i) => i);
  const trainableIdx = indices.filter((i) => trainable(i));
  const out = indices.map(() => 0);
  if (train.lrRange) {
    const spread = geometricSpread(train.lrRange.min / train.lrRange.max, trainableIdx.length);
    trainableIdx.forEach((moduleIndex, k) => (out[moduleIndex] = spread[k]));
    return out;
  }
  for (const i of trainableIdx) out[i] = explicitMultiplier(train.lrMult ?? [], i, moduleCount);
  return out;
}

/** The multiplier `lrMult` gives module `i` (1 when no entry covers it), ignoring freezing. */
export function explicitMultiplier(entries: readonly LrMultiplier[], i: number, moduleCount: number): number {
  let best: { width: number; mult: number } | undefined;
  for (const e of entries) {
    const to = e.to ?? Math.max(moduleCount - 1, e.from);
    if (i < e.from || i > to) continue;
    const width = to - e.from;
    if (!best || width <= best.width) best = { width, mult: e.mult };
  }
  return best?.mult ?? 1;
}

/** n values from `ratio` (first) to 1 (last), evenly spaced on a log scale. */
export function geometricSpread(ratio: number, n: number): number[] {
  if (n <= 0) return [];
  if (n === 1) return [1];
  return Array.from({ length: n }, (_, k) => (k === n - 1 ? 1 : Math.pow(ratio, 1 - k / (n - 1))));
}

/** Module i's multiplier as if it were trainable now (with `lrRange`, its place in the spread if it
 *  joined the trainable ones): for showing a frozen module what it will train at once unfrozen. */
export function wouldBeMultiplier(train: LrSettings, moduleCount: number, trainable: (i: number) => boolean, i: number): number {
  return moduleLrMultipliers(train, moduleCount, (j) => j === i || trainable(j))[i];
}
