// A freeze schedule as a run lives it: its phases (1-based first epoch and freeze of each, recorded
// in run.json), the phase in force at an epoch, and each module's learning-rate multiplier under a
// freeze. Pure functions: the epoch loop's phase switching is in phaseSwitch.ts.
import type { Experiment, FreezeSchedule, FreezeSpec, TrainSettings } from '../../shared/experiment/types';
import { moduleLrMultipliers } from '../../shared/experiment/lrMultipliers';
import { frozenState } from '../../shared/freeze';
import type { ModelSummary } from '../../shared/model/types';
import type { RunPhase } from '../../shared/runFolder/contract';

/** The phases that start within a run of `epochs` epochs (the last lasts to the run's end). */
export function resolvePhases(schedule: FreezeSchedule, epochs: number): RunPhase[] {
  const out: RunPhase[] = [];
  if (schedule.kind === 'schedule') {
    let start = 1;
    for (const p of schedule.phases) {
      if (start > epochs && out.length > 0) break;
      out.push({ startEpoch: start, freeze: p.freeze });
      start += p.epochs;
    }
    return out;
  }
  // gradual: from, then one module count nearer `to` every `every` epochs, `to` to the end.
  const dir = schedule.to < schedule.from ? -1 : 1;
  for (let f = schedule.from, start = 1; ; f += dir, start += schedule.every) {
    if (start > epochs && out.length > 0) break;
    out.push({ startEpoch: start, freeze: f });
    if (f === schedule.to) break;
  }
  return out;
}

/** The index of the phase in force at `epoch` (1-based). */
export function phaseAt(phases: readonly RunPhase[], epoch: number): number {
  let i = 0;
  while (i + 1 < phases.length && phases[i + 1].startEpoch <= epoch) i++;
  return i;
}

/**
 * The run's phases, or none when one freeze holds throughout: no schedule, or a freeze given for the
 * run (`--freeze`, a sweep's) that is not the schedule's first phase, which then replaces it.
 */
export function runPhases(exp: Experiment, runFreeze: FreezeSpec, epochs: number): RunPhase[] | undefined {
  if (!exp.freezeSchedule) return undefined;
  const phases = resolvePhases(exp.freezeSchedule, epochs);
  return JSON.stringify(phases[0].freeze) === JSON.stringify(runFreeze) ? phases : undefined;
}

/** The freeze to build the model with: a resumed run's is the one its checkpoint trained under (its
 *  metadata says; else the phase of its last finished epoch), so the saved optimizer state fits the
 *  trainable weights; the epoch loop then switches to the phase in force as an uninterrupted run would. */
export function freezeToBuild(
  phases: readonly RunPhase[] | undefined,
  runFreeze: FreezeSpec,
  resume: { startEpoch: number; freeze?: FreezeSpec },
): FreezeSpec {
  if (!phases) return runFreeze;
  return resume.freeze ?? phases[phaseAt(phases, Math.max(1, resume.startEpoch - 1))].freeze;
}

/** Whether the experiment gives modules different learning rates. */
export function hasModuleRates(train: TrainSettings): boolean {
  return (train.lrMult?.length ?? 0) > 0 || train.lrRange !== undefined;
}

/** Each module's multiplier under `freeze` (0: frozen). A module is trainable when some of its
 *  parameters are (a partly frozen module trains its unfrozen layers at its multiplier). */
export function moduleMultipliers(train: TrainSettings, summary: ModelSummary, freeze: FreezeSpec): number[] {
  const state = frozenState(summary, freeze).modules;
  return moduleLrMultipliers(train, summary.modules.length, (i) => state[i].params > 0 && state[i].state !== 'frozen');
}
