// The LR range test's arithmetic (Leslie Smith, "Cyclical Learning Rates", 2017; fastai's lr_find):
// the learning rate grows exponentially from `start` to `end` over the steps, one batch each; the
// loss is smoothed by an exponential moving average, and the test stops once the smoothed loss
// exceeds 4× the best seen (it diverged: higher rates only blow up). Pure: no engine, no files.
import type { LrFindEnd, LrSuggestions } from '../../shared/lrFind/contract';
import { formatLr } from '../../shared/lrFind/lrText';

export const DEFAULT_START_LR = 1e-7;
export const DEFAULT_END_LR = 10;
export const DEFAULT_STEPS = 100;
/** fastai's AvgSmoothLoss β. */
export const SMOOTHING_BETA = 0.98;
/** fastai's stop_div: smoothed loss above this many times the best. */
export const DIVERGENCE_FACTOR = 4;

/** `steps` learning rates, geometric from `start` (the first step) to `end` (the last). */
export function lrSequence(start: number, end: number, steps: number): number[] {
  if (steps === 1) return [start];
  const ratio = end / start;
  return Array.from({ length: steps }, (_, i) => start * Math.pow(ratio, i / (steps - 1)));
}

/** The losses of the steps taken so far, smoothed, and whether to stop. */
export class RangeTest {
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  readonly smoothed: number[] = [];
  /** Set once the test must stop early. */
  end: LrFindEnd | undefined;
  private best = Infinity;
  private average = 0;

  constructor(
    private readonly beta = SMOOTHING_BETA,
    private readonly factor = DIVERGENCE_FACTOR,
  ) {}

  /** Records one step's loss at `lr`; returns true when the test should stop. A non-finite loss is
   *  not recorded (there is nothing to plot), it ends the test. */
  record(lr: number, loss: number): boolean {
    if (this.end) return true;
    if (!Number.isFinite(loss)) {
      this.end = 'non-finite';
      return true;
    }
    this.average = this.beta * this.average + (1 - this.beta) * loss;
    // Bias correction: the average starts at 0, so its first values would read far too low.
    const smooth = this.average / (1 - Math.pow(this.beta, this.lrs.length + 1));
    this.lrs.push(lr);
    this.losses.push(loss);
    this.smoothed.push(smooth);
    if (smooth < this.best) this.best = smooth;
    if (smooth > this.factor * this.best) this.end = 'diverged';
    return this.end !== undefined;
  }
}

/**
 * Where to train, from the smoothed losses: the steepest descent (most negative slope against
 * log LR over a tenth of the steps, before the minimum: past it the loss is climbing; the LR in the
 * middle of that stretch) and the minimum's LR ÷ 10. As fastai,
 * the first tenth of the steps (the average still warming up) and the last 5 (the blow-up) are left
 * out when enough remain. Steepest is suggested (Smith's choice: the rate where training makes the
 * most progress); minimum ÷ 10 when the loss never fell.
 */
export function suggestLr(lrs: readonly number[], smoothed: readonly number[]): LrSuggestions {
  const n = Math.min(lrs.length, smoothed.length);
  const lo = Math.floor(n / 10);
  const hi = n - 5 >= lo + 2 ? n - 5 : n;
  if (hi - lo < 2) return { reason: `too few steps (${n}) to suggest a learning rate; run more steps` };
  let min = lo;
  for (let i = lo + 1; i < hi; i++) if (smoothed[i] < smoothed[min]) min = i;
  const minimumTenth = lrs[min] / 10;
  // The slope over a tenth of the steps, not from one step to the next: batch noise survives the
  // average as wiggles whose one-step slope can beat the real descent's.
  const w = Math.max(1, Math.min(Math.round((hi - lo) / 10), min - lo));
  let steep = -1;
  let steepest = 0;
  for (let i = lo; i + w <= min; i++) {
    const slope = (smoothed[i + w] - smoothed[i]) / (Math.log(lrs[i + w]) - Math.log(lrs[i]));
    if (slope < steepest) {
      steepest = slope;
      steep = i + Math.floor(w / 2);
    }
  }
  if (steep < 0)
    return {
      minimumTenth,
      suggested: 'minimum',
      lr: minimumTenth,
      reason: `the smoothed loss never fell, so there is no steepest descent; its lowest point is at ${formatLr(lrs[min])}`,
    };
  return {
    steepest: lrs[steep],
    minimumTenth,
    suggested: 'steepest',
    lr: lrs[steep],
    reason: 'where the smoothed loss falls fastest, before its minimum',
  };
}

/**
 * The sample order for `steps` batches of `batch`: seeded permutations of the training set, one
 * after another (fastai cycles its batches too), so a small set still gives every step a batch.
 */
export function cycledOrder(count: number, steps: number, batch: number, permutation: (epoch: number) => number[]): number[] {
  if (count === 0) return [];
  const order: number[] = [];
  for (let epoch = 1; order.length < steps * batch; epoch++) order.push(...permutation(epoch));
  order.length = steps * batch;
  return order;
}
