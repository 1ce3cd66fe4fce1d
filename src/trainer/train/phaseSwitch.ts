// A run's freeze schedule and per-module rates, lived epoch by epoch: run.json records the phases at
// the start; before each epoch the epoch loop asks for the phase in force, and on a change the model
// is re-frozen (tfjs layers' trainable flags; the torchvision worker's requires_grad), the frozen
// prefix cache re-planned (dropped when the phase unfreezes into it, built when one freezes more),
// and the engine re-reads its trainable variables and their rates. A resumed run builds its model
// with the freeze its checkpoint trained under and switches here like an uninterrupted run.
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { frozenState } from '../../shared/freeze';
import type { ModelSummary } from '../../shared/model/types';
import type { EpochMetrics, RunPhase } from '../../shared/runFolder/contract';
import { applyFreeze } from '../model/freezing';
import type { PreparedModel } from '../model/prepareModel';
import type { RunFolder } from '../run/runFolder';
import { TrainingError } from './epochLoop';
import type { CachePlan } from './frozenCache';
import { hasModuleRates, moduleMultipliers, phaseAt, runPhases } from './freezePhases';
import type { StepEngine } from './stepEngine';

type Log = (level: 'info' | 'warn', msg: string) => void;

/** The run's phases (recorded in run.json), or none when one freeze holds throughout. */
export function recordPhases(exp: Experiment, run: RunFolder, epochs: number, log: Log): RunPhase[] | undefined {
  const runFreeze = run.record.freeze;
  const phases = runPhases(exp, runFreeze, epochs);
  if (exp.freezeSchedule && !phases)
    log('warn', `freeze ${JSON.stringify(runFreeze)} was given for this run: it replaces the experiment's freeze schedule`);
  if (!phases) return undefined;
  run.update({ phases });
  log(
    'info',
    `freeze schedule: ${phases.map((p, i) => `phase ${i + 1} from epoch ${p.startEpoch}: freeze ${JSON.stringify(p.freeze)}`).join('; ')}`,
  );
  return phases;
}

export interface PhaseContext {
  exp: Experiment;
  steps: StepEngine;
  runFreeze: FreezeSpec;
  phases?: RunPhase[];
  /** A tfjs graph's model, re-frozen here, and the run's cache plan for it as now frozen (with its
   *  shared cache folder); absent for torchvision (its worker freezes, nothing is cached). */
  graph?: { prepared: PreparedModel; planFor: (prepared: PreparedModel) => CachePlan };
  summary: ModelSummary;
  cacheBatch: number;
  log: Log;
}

export type BeforeEpoch = (epoch: number) => Promise<Pick<EpochMetrics, 'freeze' | 'phase'>>;

export interface PhaseSwitcher {
  beforeEpoch: BeforeEpoch;
  /** The freeze in force now (a schedule's run only): recorded in each checkpoint's metadata. */
  freezeNow(): FreezeSpec | undefined;
}

/** The epoch loop's hook, or none when neither a schedule nor per-module rates apply. */
export function phaseSwitcher(c: PhaseContext): PhaseSwitcher | undefined {
  if (!c.phases && !hasModuleRates(c.exp.train)) return undefined;
  let current: number | undefined;
  return {
    beforeEpoch: async (epoch) => {
      const i = c.phases ? phaseAt(c.phases, epoch) : 0;
      const freeze = c.phases ? c.phases[i].freeze : c.runFreeze;
      if (i !== current) {
        await enterPhase(c, i, freeze, epoch);
        current = i;
      }
      return c.phases ? { freeze, phase: i } : {};
    },
    freezeNow: () => (c.phases ? c.phases[current ?? 0].freeze : undefined),
  };
}

async function enterPhase(c: PhaseContext, i: number, freeze: FreezeSpec, epoch: number): Promise<void> {
  let plan: CachePlan = { used: false, reason: "a torchvision model's children are not a chain its frozen prefix can be cut from" };
  let params = frozenState(c.summary, freeze);
  if (c.graph) {
    const { prepared } = c.graph;
    const fr = applyFreeze(prepared.model, prepared.summary, freeze, prepared.tfLayer);
    prepared.freeze = fr;
    plan = c.graph.planFor(prepared);
    params = { ...params, trainableParams: fr.trainableParams, totalParams: fr.totalParams };
  }
  const what = c.phases ? `phase ${i + 1} of ${c.phases.length} (epoch ${epoch})` : 'this run';
  if (params.trainableParams === 0)
    throw new TrainingError(`${what}: freeze ${JSON.stringify(freeze)} freezes every parameter: nothing to train`);
  const moduleMults = moduleMultipliers(c.exp.train, c.summary, freeze);
  const frozenSoFar = c.phases ? c.phases.slice(0, i + 1).map((p) => p.freeze) : [freeze];
  await c.steps.setPhase({ freeze, frozenSoFar, moduleMults, plan, cacheBatch: c.cacheBatch });
  if (c.phases)
    c.log(
      'info',
      `${what}: freeze ${JSON.stringify(freeze)}, ${params.trainableParams.toLocaleString('en-US')} of ${params.totalParams.toLocaleString('en-US')} parameters trainable; ` +
        `frozen-prefix cache ${plan.used ? `used from module ${plan.start}` : `not used (${plan.reason})`}`,
    );
  if (hasModuleRates(c.exp.train)) c.log('info', `${what}: learning-rate multipliers by module ${describeMults(moduleMults, c.summary)}`);
}

/** `0, 2 ×0.1 · 5 ×1`: the trainable modules (with parameters) grouped by multiplier. */
function describeMults(mults: readonly number[], summary: ModelSummary): string {
  const groups = new Map<number, number[]>();
  mults.forEach((m, i) => {
    if (m > 0 && summary.modules[i].params > 0) groups.set(m, [...(groups.get(m) ?? []), i]);
  });
  return [...groups].map(([m, idx]) => `${idx.join(', ')} ×${Number(m.toPrecision(3))}`).join(' · ');
}
