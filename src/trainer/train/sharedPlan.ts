// Where a run's frozen-prefix cache folder is: `<runs>/.cache/prefix/`, beside the runs. There
// because the runs of a freeze sweep share their runs folder (so they share the cache) and because
// it goes with them: deleting the runs folder, or its `.cache`, clears it; it is bounded by
// TRANSFER_LAB_CACHE_DISK_MB (least recently used caches go first). The plan carries it to the
// tfjs step engine; the torch engine keeps its own cache in its worker.
import * as path from 'node:path';
import type { Experiment } from '../../shared/experiment/types';
import { cacheRoot } from '../cache/prefixCacheStore';
import type { RunFolder } from '../run/runFolder';
import { cacheLimits, CacheLimits } from '../cache/cacheDecision';
import type { CachePlan } from './frozenCache';

/** The cache limits of a run's cache folder. */
export const runCacheLimits = (run: { dir: string }): CacheLimits => cacheLimits(cacheRoot(path.dirname(run.dir)));

/** `plan` with its cache folder; `torch`: the run's engine is torch, whose worker caches in its own memory. */
export function sharedPlan(
  plan: CachePlan,
  exp: Experiment,
  run: RunFolder,
  torch: boolean,
  log: (level: 'info' | 'warn', msg: string) => void,
  stopRequested?: () => boolean,
): CachePlan {
  if (!plan.used) return plan;
  if (torch)
    return plan.where === 'spilled'
      ? { used: false, reason: `the torch engine caches in its worker's memory and does not spill: ${plan.reason}` }
      : plan;
  return {
    ...plan,
    shared: {
      root: cacheRoot(path.dirname(run.dir)),
      modelFile: exp.model,
      data: exp.data,
      seed: exp.train.seed,
      diskBytes: runCacheLimits(run).diskBytes,
      log: (level, msg) => log(level, msg),
      ...(stopRequested ? { stopRequested } : {}),
    },
  };
}
