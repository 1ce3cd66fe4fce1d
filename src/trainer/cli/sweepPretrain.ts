// The weights every run of a sweep starts from: they exist (fine, say so), are missing with no way to
// make them (fail with what to fix), or are made first by the experiment `pretrain:` names, trained
// (or resumed) as the sweep's first run. Its own module because these cases are the sweep's
// trickiest decisions, and the sweep loop reads better without them.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../shared/experiment/parse';
import type { Experiment } from '../../shared/experiment/types';
import { isAlive } from '../../shared/system/processAlive';
import { isTorchvisionRef, TORCHVISION_PREFIX } from '../../shared/experiment/torchvisionSpec';
import { resolveModelJson, sha256OfModelFiles } from '../model/modelFiles';
import { stateDictSha256 } from '../torchvision/checkpoint';
import type { SweepEvent, SweepRunPlan } from '../sweep/events';
import { pretrainRunFor, weightsExist } from '../sweep/pretrainRun';
import type { SweepPretrain } from '../sweep/sweepTable';
import type { ChildOutcome } from './sweepChild';
import type { SweepProgress } from './sweepProgress';
import type { RunRecord } from '../../shared/runFolder/contract';
import { readRunRecord } from '../../shared/runFolder/readRecord';

/** What pretrainFirst reads from the sweep's options. */
export interface PretrainOptions {
  engine?: string;
  progress: SweepProgress;
}

/** A path relative to the working folder when it lies inside it: shorter log lines. */
export function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
}

export type PretrainResult = { ran: boolean; weights?: SweepPretrain } | { stopped: true } | { failed: string };

/**
 * The weights every run starts from. Missing weights that `pretrain:` makes: that experiment runs
 * first (a stopped or killed pretraining run is resumed), named after the run folder the weights
 * path points into.
 */
export async function pretrainFirst(
  exp: Experiment,
  runsDir: string,
  o: PretrainOptions,
  sweep: string,
  runs: SweepRunPlan[],
  train: (run: string, args: string[]) => Promise<ChildOutcome>,
): Promise<PretrainResult> {
  const start = (pretrain?: Extract<SweepEvent, { type: 'sweep-start' }>['pretrain']): void =>
    o.progress.sweep({ type: 'sweep-start', sweep, experiment: exp.file, runsDir, runs, ...(pretrain ? { pretrain } : {}) });
  const weights = exp.weights;
  if (!weights) {
    start();
    o.progress.log(
      'warn',
      `${rel(exp.file)} has no weights: every run starts from random weights, so frozen modules keep random features; set weights: (and pretrain:) to compare transfer learning`,
    );
    return { ran: false };
  }
  if (isTorchvisionRef(weights)) {
    start();
    o.progress.log(
      'info',
      `every run starts from torchvision's ${weights.slice(TORCHVISION_PREFIX.length)} weights of ${exp.model} (torchvision's own cache), no pretraining`,
    );
    return { ran: false };
  }
  const target = pretrainRunFor(weights);
  // A torchvision model's weights are a state dict (.pt/.pth), a tfjs model's a model.json and its shards.
  const sha = (): string => (exp.torchvision ? stateDictSha256(weights) : sha256OfModelFiles(resolveModelJson(weights)));
  const described = (ran: boolean): SweepPretrain => ({ run: target?.name ?? null, ran, weights, weightsSha256: sha() });
  if (weightsExist(weights)) {
    start();
    const d = described(false);
    o.progress.log(
      'info',
      `pretrained weights ${rel(weights)} exist (sha256 ${d.weightsSha256.slice(0, 12)}…): every run starts from them, no pretraining`,
    );
    return { ran: false, weights: d };
  }
  if (!exp.pretrain) {
    return {
      failed: `${exp.file}: weights ${weights} do not exist, and the experiment has no pretrain: naming the experiment that makes them; train that first or fix weights:`,
    };
  }
  if (!target) {
    return {
      failed: `${exp.file}: weights ${weights} do not exist, and pretraining (${exp.pretrain}) cannot make them there: a run writes runs/<name>/weights/best. Point weights: at such a folder.`,
    };
  }
  let preExp: Experiment;
  try {
    preExp = await loadExperiment(exp.pretrain);
  } catch (err) {
    return { failed: `cannot pretrain for ${exp.file} with ${exp.pretrain}:\n${(err as Error).message}` };
  }
  const dir = path.join(target.runsDir, target.name);
  let resume = false;
  if (existsSync(dir)) {
    let rec: RunRecord | undefined;
    try {
      rec = await readRunRecord(dir);
    } catch (err) {
      return { failed: `${(err as Error).message}` };
    }
    const alive = rec?.status === 'running' && rec.pid !== undefined && isAlive(rec.pid);
    if (rec && (rec.status === 'stopped' || (rec.status === 'running' && !alive))) resume = true;
    else {
      const why = !rec
        ? 'has no run.json'
        : alive
          ? `is still running (pid ${rec.pid})`
          : `is ${rec.status}${rec.error ? ` (${rec.error})` : ''} without weights/best`;
      return {
        failed: `weights ${weights} do not exist, and the pretraining run folder ${dir} ${why}. ${alive ? 'Wait for it, or stop it' : 'Delete that folder'}, then start the sweep again.`,
      };
    }
  }
  start({ run: target.name, experiment: preExp.file, runsDir: target.runsDir, resume });
  o.progress.log(
    'info',
    `pretrained weights ${rel(weights)} do not exist yet: ${resume ? 'resuming' : 'running'} pretraining run ${target.name} ` +
      `(${rel(preExp.file)}) first, into ${rel(dir)}; every run of the sweep then starts from its weights/best`,
  );
  o.progress.sweep({ type: 'sweep-run', sweep, run: target.name, role: 'pretrain', index: 1, of: runs.length + 1, freeze: preExp.freeze });
  const args = [preExp.file, '--name', target.name, '--runs-dir', target.runsDir];
  if (resume) args.push('--resume');
  if (o.engine) args.push('--engine', o.engine);
  const outcome = await train(target.name, args);
  if (outcome.status === 'stopped') return { stopped: true };
  if (outcome.status !== 'finished')
    return {
      failed: `pretraining run ${target.name} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}; see ${path.join(dir, 'train.log')}`,
    };
  if (!weightsExist(weights))
    return {
      failed: `pretraining run ${target.name} finished but ${weights} does not exist: does weights: in ${exp.file} point at runs/${target.name}/weights/best?`,
    };
  const d = described(true);
  o.progress.log('info', `pretraining done: weights ${rel(weights)} (sha256 ${d.weightsSha256.slice(0, 12)}…)`);
  return { ran: true, weights: d };
}
