// Pretraining is itself a run: when an experiment's `weights:` do not exist yet and `pretrain:` names
// the experiment that makes them, that run goes first, named after the run folder the weights path
// points into, so its weights/best lands exactly where the transfer experiment reads it. Pure Node.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

export interface PretrainTarget {
  /** The runs folder the weights path points into (`…/runs`). */
  runsDir: string;
  /** The run folder name (`pretrain` in `runs/pretrain/weights/best`). */
  name: string;
}

/** `…/runs/<name>/weights/best` (or `/last`, optionally `/model.json`, or a torchvision run's `/model.pt`) → where that run lives. */
export function pretrainRunFor(weights: string): PretrainTarget | undefined {
  const m = /^(.*)[\\/]([^\\/]+)[\\/]weights[\\/](?:best|last)(?:[\\/]model\.(?:json|pt))?[\\/]?$/.exec(weights);
  if (!m || !m[1]) return undefined;
  return { runsDir: m[1], name: m[2] };
}

/** Whether `weights` (a model.json, or a folder holding one) is there to start from. */
export function weightsExist(weights: string): boolean {
  try {
    return statSync(weights).isDirectory() ? existsSync(path.join(weights, 'model.json')) : true;
  } catch {
    return false;
  }
}
