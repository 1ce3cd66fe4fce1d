// A torchvision run's freeze schedule and per-module rates: the phase switching of any run
// (phaseSwitch.ts) with the model's modules asked of torchvision (the Modules view's rows, one per
// top-level child), read only when a schedule or per-module rates need them.
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { formatDiagnostics } from '../../shared/experiment/parse';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { RunPhase } from '../../shared/runFolder/contract';
import { TrainingError } from '../train/epochLoop';
import { hasModuleRates } from '../train/freezePhases';
import { phaseSwitcher, PhaseSwitcher } from '../train/phaseSwitch';
import type { StepEngine } from '../train/stepEngine';

export async function torchvisionPhases(
  exp: Experiment,
  steps: StepEngine,
  phases: RunPhase[] | undefined,
  runFreeze: FreezeSpec,
  log: (level: 'info' | 'warn', msg: string) => void,
): Promise<PhaseSwitcher | undefined> {
  if (!phases && !hasModuleRates(exp.train)) return undefined;
  const { summary, diagnostics } = await loadExperimentModel(exp);
  if (!summary)
    throw new TrainingError(
      `${exp.model}: its modules could not be read for the freeze schedule or rates: ${formatDiagnostics(diagnostics)}`,
    );
  return phaseSwitcher({ exp, steps, phases, runFreeze, summary, cacheBatch: 0, log });
}
