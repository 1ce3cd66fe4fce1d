// Whether a run uses the frozen-prefix cache, and where it keeps it: one decision for the trainer's
// plan (frozenCache.ts planCache) and for the step cost the thread choice is made from
// (trainPhases.ts), so the thread count is chosen for the steps the run will really take.
//
// The outputs are always written to the cache folder (so the runs of a sweep share them). Up to the
// memory budget they are float32 and read back into memory whole: steps identical to an in-memory
// cache. Beyond it they spill: float16 (half the disk and reads; the val-accuracy change is tested in
// test/trainer/cacheFloat16.test.ts) read by sample index in batches, so memory stays flat. Beyond
// the disk budget (the bound on the whole cache folder) the cache is not used.
import { statfsSync } from 'node:fs';
import * as path from 'node:path';
import type { CacheDtype } from './cacheFile';

// 128 MiB: small sets (the examples) keep bit-identical float32 steps; past it the trainer's memory
// would grow with the data set (issue #21's bar: peak memory independent of the number of images),
// and a spilled file read through the page cache measured as fast as memory (4k images, freeze 6).
export const CACHE_MEMORY_BYTES = 128 * 1024 * 1024;
export const CACHE_DISK_BYTES = 16 * 1024 * 1024 * 1024;

export interface CacheLimits {
  /** Largest float32 cache read into memory (TRANSFER_LAB_CACHE_MEMORY_MB). */
  memoryBytes: number;
  /** Bound on the cache folder, and so on one cache (TRANSFER_LAB_CACHE_DISK_MB). */
  diskBytes: number;
  /** Space free where the cache folder is (unknown: not checked). */
  freeBytes?: number;
}

function mb(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  return v !== undefined && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) * 1024 * 1024 : fallback;
}

/** The limits for a cache folder under `dir` (the nearest existing folder above it is asked for free space). */
export function cacheLimits(dir?: string, env: NodeJS.ProcessEnv = process.env): CacheLimits {
  let freeBytes: number | undefined;
  for (let d = dir; d && freeBytes === undefined; d = d === path.dirname(d) ? undefined : path.dirname(d)) {
    try {
      const s = statfsSync(d);
      freeBytes = s.bavail * s.bsize;
    } catch {
      // not there yet: its parent
    }
  }
  return {
    memoryBytes: mb(env, 'TRANSFER_LAB_CACHE_MEMORY_MB', CACHE_MEMORY_BYTES),
    diskBytes: mb(env, 'TRANSFER_LAB_CACHE_DISK_MB', CACHE_DISK_BYTES),
    ...(freeBytes !== undefined ? { freeBytes } : {}),
  };
}

export interface CacheDecision {
  used: boolean;
  reason: string;
  /** Read into memory whole, or read from the file batch by batch. */
  where?: 'memory' | 'spilled';
  dtype?: CacheDtype;
}

const MB = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

/**
 * `rules`: prefixCacheRules' verdict; `bytesPerSample`: float32 bytes of one sample's cached outputs;
 * `samples`: training + validation images.
 */
export function decideCache(
  rules: { applies: boolean; reason: string },
  bytesPerSample: number | undefined,
  samples: number,
  disabled: boolean,
  limits: CacheLimits,
): CacheDecision {
  if (disabled) return { used: false, reason: 'disabled with --no-cache' };
  if (!rules.applies) return { used: false, reason: rules.reason };
  if (bytesPerSample === undefined) return { used: false, reason: "the frozen prefix's output shapes are unknown" };
  const f32 = bytesPerSample * samples;
  if (f32 <= limits.memoryBytes) return { used: true, reason: rules.reason, where: 'memory', dtype: 'f32' };
  if (limits.freeBytes !== undefined && f32 / 2 > limits.freeBytes * 0.9)
    return {
      used: false,
      reason: `the frozen prefix's outputs would take ${MB(f32 / 2)} on disk as float16; ${MB(limits.freeBytes)} are free there`,
    };
  if (f32 / 2 <= limits.diskBytes)
    return {
      used: true,
      reason: `${rules.reason}; ${MB(f32)} as float32 is over the ${MB(limits.memoryBytes)} kept in memory: spilled to disk as float16 (${MB(f32 / 2)})`,
      where: 'spilled',
      dtype: 'f16',
    };
  return {
    used: false,
    reason: `the frozen prefix's outputs would take ${MB(f32 / 2)} on disk as float16 (over the cache folder's ${MB(limits.diskBytes)}; TRANSFER_LAB_CACHE_DISK_MB raises it)`,
  };
}
