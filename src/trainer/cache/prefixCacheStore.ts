// The cache folder: `<runs>/.cache/prefix/<key>-<dtype>/` beside the runs that share it (a freeze
// sweep's runs share their runs folder), holding train.bin and val.bin (cacheFile.ts), key.json (the
// key's parts, readable), `lock` while one run builds (cacheLock.ts) and `used` (touched on every
// use). Deleting `.cache` (or the runs folder) clears it; the folder is kept under the disk budget
// by dropping the least recently used caches after each build.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DataSpec } from '../../shared/experiment/types';
import { acquireLock, releaseLock } from './cacheLock';
import { CacheDtype, CacheFileWriter, CacheLayout, verifyCacheFile } from './cacheFile';
import { PrefixKeyParts, prefixKey } from './cacheKey';

export const cacheRoot = (runsDir: string): string => path.join(runsDir, '.cache', 'prefix');

/** Where a run's cache folder is and what, besides the model, keys it (a CachePlan carries it). */
export interface SharedCacheContext {
  /** The cache folder (cacheRoot). */
  root: string;
  modelFile: string;
  data: DataSpec;
  seed: number;
  diskBytes: number;
  log(level: 'info' | 'warn', msg: string): void;
  /** Whether the run was asked to stop: a run waiting for another's build then gives up waiting. */
  stopRequested?(): boolean;
}

export interface StoreRequest {
  root: string;
  parts: PrefixKeyParts;
  dtype: CacheDtype;
  shapes: number[][];
  counts: { train: number; val: number };
  /** The folder's bound: least recently used caches go beyond it. */
  diskBytes: number;
  /** Computes the outputs into the writers (`append` in sample order); `finish` is the store's. */
  build(train: CacheFileWriter, val: CacheFileWriter): Promise<void>;
  log(level: 'info' | 'warn', msg: string): void;
  stopRequested?(): boolean;
}

export interface StoredCache {
  dir: string;
  how: 'built' | 'reused';
  files: { train: string; val: string };
  layouts: { train: CacheLayout; val: CacheLayout };
  bytes: number;
}

const SPLITS = ['train', 'val'] as const;

function verifyBoth(dir: string, req: StoreRequest): { train: CacheLayout; val: CacheLayout } | string {
  const out: Partial<Record<'train' | 'val', CacheLayout>> = {};
  for (const s of SPLITS) {
    const v = verifyCacheFile(path.join(dir, `${s}.bin`), { count: req.counts[s], shapes: req.shapes });
    if (!v.ok) return `${s}.bin: ${v.reason}`;
    out[s] = v.layout;
  }
  return out as { train: CacheLayout; val: CacheLayout };
}

const bytesOf = (dir: string): number =>
  readdirSync(dir).reduce((s, f) => {
    try {
      return s + statSync(path.join(dir, f)).size;
    } catch {
      return s;
    }
  }, 0);

/** Opens the cache for `req`, building it first (once, whoever gets the lock) when it is missing or
 *  torn. Throws CacheWaitStopped when the run is asked to stop while another run builds it. */
export async function openOrBuild(req: StoreRequest): Promise<StoredCache> {
  const dir = path.join(req.root, `${prefixKey(req.parts)}-${req.dtype}`);
  mkdirSync(dir, { recursive: true });
  const files = { train: path.join(dir, 'train.bin'), val: path.join(dir, 'val.bin') };
  const lock = path.join(dir, 'lock');
  const found = (how: 'built' | 'reused', layouts: { train: CacheLayout; val: CacheLayout }): StoredCache => {
    writeFileSync(path.join(dir, 'used'), new Date().toISOString());
    return { dir, how, files, layouts, bytes: statSync(files.train).size + statSync(files.val).size };
  };
  for (;;) {
    const complete = (): boolean => existsSync(files.train) && existsSync(files.val) && !existsSync(lock);
    if (complete()) {
      const v = verifyBoth(dir, req);
      if (typeof v !== 'string') return found('reused', v);
    }
    const mine = await acquireLock(lock, {
      onWait: (h) => req.log('info', `frozen-prefix cache ${dir} is being built by pid ${h.pid}: waiting for it`),
      done: complete,
      stopped: req.stopRequested,
    });
    if (!mine) continue; // built by the holder: verified at the top
    try {
      const v = verifyBoth(dir, req);
      if (typeof v !== 'string') return found('reused', v);
      if (existsSync(files.train) || existsSync(files.val))
        req.log('warn', `frozen-prefix cache ${dir} is not usable (${v}): rebuilding it`);
      // Under the lock nothing else writes here: whatever is not a finished file is a dead builder's.
      for (const f of readdirSync(dir)) if (f.endsWith('.tmp') || f.endsWith('.bin')) rmSync(path.join(dir, f), { force: true });
      writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ ...req.parts, dtype: req.dtype }, null, 2));
      const train = new CacheFileWriter(files.train, { dtype: req.dtype, count: req.counts.train, shapes: req.shapes });
      const val = new CacheFileWriter(files.val, { dtype: req.dtype, count: req.counts.val, shapes: req.shapes });
      try {
        await req.build(train, val);
        train.finish();
        val.finish();
      } catch (err) {
        train.abort();
        val.abort();
        throw err;
      }
      const result = found('built', { train: train.layout, val: val.layout });
      pruneCaches(req.root, req.diskBytes, dir, req.log);
      return result;
    } finally {
      releaseLock(lock);
    }
  }
}

/** Drops the least recently used caches (not `keep`, not one being built) while the folder is over `limit`. */
export function pruneCaches(root: string, limit: number, keep: string, log: StoreRequest['log']): void {
  const entries = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = path.join(root, e.name);
      let used = 0;
      try {
        used = statSync(path.join(dir, 'used')).mtimeMs;
      } catch {
        used = 0;
      }
      return { dir, used, bytes: bytesOf(dir), busy: existsSync(path.join(dir, 'lock')) };
    })
    .sort((a, b) => a.used - b.used);
  let total = entries.reduce((s, e) => s + e.bytes, 0);
  for (const e of entries) {
    if (total <= limit) break;
    if (e.dir === keep || e.busy) continue;
    rmSync(e.dir, { recursive: true, force: true });
    total -= e.bytes;
    log(
      'info',
      `frozen-prefix cache ${e.dir} removed (least recently used; the cache folder keeps under ${(limit / 1048576).toFixed(0)} MB)`,
    );
  }
}
