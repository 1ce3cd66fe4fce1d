// How a learning rate is written for people and into the experiment: two significant digits in
// exponent form (`1.2e-3`), as the LR finder's resolution (100 steps over 8 decades) is no finer.
import type { LrSuggestions } from './contract';

/** `0.0012345` → `1.2e-3`. */
export function formatLr(lr: number): string {
  return lr.toExponential(1).replace('e+', 'e');
}

/** The value `formatLr` shows, as a number (what is written into `train.lr`). */
export function roundLr(lr: number): number {
  return Number(lr.toExponential(1));
}

/** "suggested 1.2e-3 (steepest descent); minimum ÷ 10: 3.0e-3": both values, and which is suggested. */
export function describeSuggestions(s: LrSuggestions): string {
  if (s.lr === undefined) return s.reason;
  const which = s.suggested === 'steepest' ? 'steepest descent' : 'minimum ÷ 10';
  const steep = s.steepest !== undefined ? `steepest descent: ${formatLr(s.steepest)}` : 'no steepest descent';
  const min = s.minimumTenth !== undefined ? `minimum ÷ 10: ${formatLr(s.minimumTenth)}` : 'no minimum';
  return `suggested ${formatLr(s.lr)} (${which}); ${steep}; ${min}`;
}
