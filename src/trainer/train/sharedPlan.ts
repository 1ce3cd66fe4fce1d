// Where a run's frozen-prefix cache folder is: `<runs>/.cache/prefix/`, beside the runs (see
// cache/prefixCacheStore.ts), and so the limits that decide whether the cache is used there.
import * as path from 'node:path';
import { cacheLimits, CacheLimits } from '../cache/cacheDecision';
import { cacheRoot } from '../cache/prefixCacheStore';
import type { RunFolder } from '../run/runFolder';

/** The cache limits of a run's cache folder. */
export const runCacheLimits = (run: RunFolder): CacheLimits => cacheLimits(cacheRoot(path.dirname(run.dir)));
