// What `transfer-lab sweep` reports while it runs, one JSON object per line on stderr when stderr is
// not a terminal: the runs' own ProgressEvents (forwarded as the `train` processes write them, each
// naming its run) and these sweep-level events, which say which run of the sweep is going on.
import type { FreezeSpec } from '../../shared/experiment/types';
import type { ProgressEvent } from '../../shared/runFolder/contract';
import type { FineTuneRecipe } from '../../shared/runs/fineTune';

export interface SweepRunPlan {
  run: string;
  freeze: FreezeSpec;
  /** "nothing frozen", "backbone", "all but head", "fine_tune", or '' for a custom value. */
  label: string;
  /** Set on the sweep's fine_tune run: `freeze` is its head-first phase. */
  fineTune?: FineTuneRecipe;
}

export type SweepEvent =
  | {
      type: 'sweep-start';
      sweep: string;
      experiment: string;
      runsDir: string;
      runs: SweepRunPlan[];
      pretrain?: { run: string; experiment: string; runsDir: string; resume: boolean };
    }
  | { type: 'sweep-run'; sweep: string; run: string; role: 'pretrain' | 'sweep'; index: number; of: number; freeze: FreezeSpec }
  | { type: 'sweep-end'; sweep: string; status: 'finished' | 'stopped' | 'failed' };

export type SweepProgressLine = ProgressEvent | SweepEvent;
