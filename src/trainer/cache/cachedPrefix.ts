// The frozen prefix's outputs through the cache folder: built once (by whichever run of a sweep gets
// there first) or reused, then either read into memory whole (float32, as an in-memory cache would
// hold them) or handed on as SampleSources reading the file batch by batch (spilled, float16).
import { ArraySource, inOrder } from '../data/arraySource';
import type { SampleSource } from '../data/sampleSource';
import type { PreparedModel } from '../model/prepareModel';
import { CachePlan, prefixModel, prefixShapes, runPrefix } from '../train/frozenCache';
import { CacheLayout } from './cacheFile';
import { prefixKeyParts } from './cacheKey';
import { CacheFileSource } from './cacheSource';
import { openOrBuild, SharedCacheContext } from './prefixCacheStore';

export interface CachedSets {
  train: SampleSource;
  val: SampleSource;
  /** For the log and run.json: what happened (built / reused, spilled or in memory, size, where). */
  note: string;
}

const CHUNK = 4096;

/** A whole file into memory (the float32 case: what cacheFeatures would have computed); the
 *  samples it lists as missing stay left out. */
async function readWhole(file: string, layout: CacheLayout, labels: Int32Array): Promise<ArraySource> {
  const src = await CacheFileSource.open(file, layout, labels);
  try {
    const sizes = src.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const arrays = sizes.map((s) => new Float32Array(s * src.count));
    for await (const b of src.batches(inOrder(src.count), CHUNK))
      b.inputs.forEach((o, k) =>
        b.indices.forEach((sample, i) => arrays[k].set(o.subarray(i * sizes[k], (i + 1) * sizes[k]), sample * sizes[k])),
      );
    return new ArraySource(arrays, src.shapes, labels, new Set(layout.missing));
  } finally {
    await src.close();
  }
}

export async function cachedPrefix(
  prepared: PreparedModel,
  plan: CachePlan,
  sets: { train: SampleSource; val: SampleSource },
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
    stopRequested: ctx.stopRequested,
    // The images are read in index order, a batch at a time; rows are written by sample index, so
    // an image the source cannot read leaves its row missing (listed in the file), not a shifted one.
    build: async (train, val) => {
      await runPrefix(prefix, sets.train, batch, (outs, indices) => train.put(outs, indices), between);
      train.leaveOut();
      await runPrefix(prefix, sets.val, batch, (outs, indices) => val.put(outs, indices), between);
      val.leaveOut();
    },
  });
  const { files, layouts } = stored;
  const missing = layouts.train.missing.length + layouts.val.missing.length;
  const size = `${(stored.bytes / 1048576).toFixed(1)} MB`;
  // A reusing run reads no image, so it learns of the unreadable ones from the file.
  const left = missing ? `; ${missing} unreadable image(s) left out` : '';
  if (plan.where === 'spilled') {
    return {
      train: await CacheFileSource.open(files.train, layouts.train, sets.train.labels),
      val: await CacheFileSource.open(files.val, layouts.val, sets.val.labels),
      note: `${stored.how}, spilled: ${size} of float16 read from ${stored.dir} batch by batch${left}`,
    };
  }
  return {
    train: await readWhole(files.train, layouts.train, sets.train.labels),
    val: await readWhole(files.val, layouts.val, sets.val.labels),
    note: `${stored.how}: ${size} of float32 in ${stored.dir}, read into memory${left}`,
  };
}
