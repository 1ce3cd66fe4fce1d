// The frozen prefix's outputs through the cache folder: built once (by whichever run of a sweep gets
// there first) or reused, then either read into memory whole (float32, as an in-memory cache would
// hold them) or handed on as SampleSources reading the file batch by batch (spilled, float16).
import type { SampleSource } from '../data/sampleSource';
import type { PreparedModel } from '../model/prepareModel';
import type { FeatureSet } from '../train/featureSet';
import { CachePlan, prefixModel, prefixShapes, runPrefix } from '../train/frozenCache';
import { CacheLayout } from './cacheFile';
import { prefixKeyParts } from './cacheKey';
import { CacheFileSource } from './cacheSource';
import { openOrBuild, SharedCacheContext } from './prefixCacheStore';

export interface CachedSets {
  train: FeatureSet | SampleSource;
  val: FeatureSet | SampleSource;
  /** For the log and run.json: what happened (built / reused, spilled or in memory, size, where). */
  note: string;
}

const CHUNK = 4096;

/** A whole file into memory (the float32 case: what cacheFeatures would have computed). */
async function readWhole(file: string, layout: CacheLayout, labels: Int32Array): Promise<FeatureSet> {
  const src = await CacheFileSource.open(file, layout, labels);
  try {
    const sizes = src.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const arrays = sizes.map((s) => new Float32Array(s * src.count));
    for (let start = 0; start < src.count; start += CHUNK) {
      const n = Math.min(CHUNK, src.count - start);
      const outs = await src.read(Int32Array.from({ length: n }, (_, i) => start + i));
      outs.forEach((o, k) => arrays[k].set(o, start * sizes[k]));
    }
    return { arrays, shapes: src.shapes, labels, count: src.count };
  } finally {
    await src.close();
  }
}

export async function cachedPrefix(
  prepared: PreparedModel,
  plan: CachePlan,
  sets: { train: FeatureSet; val: FeatureSet },
  batch: number,
  ctx: SharedCacheContext,
  between?: () => Promise<void>,
): Promise<CachedSets> {
  const prefix = prefixModel(prepared, plan);
  const shapes = prefixShapes(prepared, plan);
  const parts = prefixKeyParts({
    modelFile: ctx.modelFile,
    prefixWeights: prefix.weights.map((w) => w.read().dataSync() as Float32Array),
    start: plan.start!,
    boundary: plan.boundary!,
    data: ctx.data,
    seed: ctx.seed,
    imageShape: sets.train.shapes[0] as [number, number, number],
    trainLabels: sets.train.labels,
    valLabels: sets.val.labels,
  });
  const stored = await openOrBuild({
    root: ctx.root,
    parts,
    dtype: plan.dtype ?? 'f32',
    shapes,
    counts: { train: sets.train.count, val: sets.val.count },
    diskBytes: ctx.diskBytes,
    log: ctx.log,
    build: async (train, val) => {
      await runPrefix(prefix, sets.train, batch, (outs, _start, n) => train.append(outs, n), between);
      await runPrefix(prefix, sets.val, batch, (outs, _start, n) => val.append(outs, n), between);
    },
  });
  const { files, layouts } = stored;
  const size = `${(stored.bytes / 1048576).toFixed(1)} MB`;
  if (plan.where === 'spilled') {
    return {
      train: await CacheFileSource.open(files.train, layouts.train, sets.train.labels),
      val: await CacheFileSource.open(files.val, layouts.val, sets.val.labels),
      note: `${stored.how}, spilled: ${size} of float16 read from ${stored.dir} batch by batch`,
    };
  }
  return {
    train: await readWhole(files.train, layouts.train, sets.train.labels),
    val: await readWhole(files.val, layouts.val, sets.val.labels),
    note: `${stored.how}: ${size} of float32 in ${stored.dir}, read into memory`,
  };
}
