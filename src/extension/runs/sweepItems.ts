// The runs a sweep queues: one per freeze value, plus the fine_tune run when it was chosen (its
// `freeze` is the head-first phase; the trainer turns the experiment into fastai's recipe). Pure
// (no vscode), so it is unit-tested directly.
import type { FreezeSpec } from '../../shared/experiment/types';
import { FASTAI_FINE_TUNE } from '../../shared/runs/fineTune';
import { sweepRunName } from '../../shared/runs/runNames';
import { describeFreeze } from '../../shared/runs/sweepPlan';
import type { LaunchRequest } from './runState';

export interface SweepChoice {
  values: FreezeSpec[];
  /** Head-first freeze of the fine_tune run, when there is one. */
  fineTune?: FreezeSpec;
}

export function sweepItems(
  experiment: string,
  sweep: string,
  choice: SweepChoice,
  after: string | undefined,
): Array<{ name: string; req: LaunchRequest }> {
  const items: Array<{ name: string; req: LaunchRequest }> = choice.values.map((freeze) => ({
    name: sweepRunName(sweep, freeze),
    req: { experiment, freeze, sweep, after },
  }));
  if (choice.fineTune !== undefined)
    items.push({
      name: sweepRunName(sweep, choice.fineTune, true),
      req: { experiment, freeze: choice.fineTune, sweep, after, fineTune: FASTAI_FINE_TUNE },
    });
  return items;
}

/** "freeze 0, freeze 6, fine_tune" for the notification. */
export function describeSweep(choice: SweepChoice): string {
  return [...choice.values.map(describeFreeze), ...(choice.fineTune !== undefined ? ['fine_tune'] : [])].join(', ');
}
