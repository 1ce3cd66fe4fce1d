// How the torch worker gets its data: one batch per request, as the streamed loader hands batches
// over. Each batch is written to two small files in the engine's private folder (float32 inputs in
// tfjs layout, int32 labels) that the request names; the next batch overwrites them once the worker
// has answered. Files keep the JSON-lines protocol as it is (no binary framing on stdin beside the
// request lines) and work the same on every OS; a batch is a few MB, written through the page cache.
// Once the frozen prefix is cached in the worker, requests name sample indices instead of files.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SampleBatch, SampleSource } from '../data/sampleSource';
import type { Reply } from './torchWorker';

export interface BatchRequest {
  /** The request's fields that say where the batch is (absent when every sample was unreadable). */
  fields?: Reply;
  /** Samples in the batch. */
  n: number;
  /** Their sample indices, in the batch's order. */
  indices: ArrayLike<number>;
}

/** Writes a batch for the worker; returns the request fields naming it. */
export function writeBatch(dir: string, b: SampleBatch, shapes: number[][]): Reply {
  const file = path.join(dir, 'batch.f32');
  const labelsFile = path.join(dir, 'batch.labels');
  writeFileSync(file, Buffer.concat(b.inputs.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
  writeFileSync(labelsFile, Buffer.from(b.labels.buffer, b.labels.byteOffset, b.labels.byteLength));
  return { file, labelsFile, shapes, count: b.labels.length };
}

/** The batches of `order` as request fields: from the source's streamed batches, or, when the worker
 *  caches the set (`cachedMissing`: the samples the cache lacks), by sample index. */
export async function* batchRequests(
  dir: string,
  set: 'train' | 'val',
  source: SampleSource,
  order: ArrayLike<number>,
  batch: number,
  cachedMissing?: ReadonlySet<number>,
): AsyncIterable<BatchRequest> {
  if (cachedMissing) {
    const kept = Array.from(order).filter((i) => !cachedMissing.has(i));
    for (let i = 0; i < kept.length; i += batch) {
      const indices = kept.slice(i, i + batch);
      yield { fields: { set, indices }, n: indices.length, indices };
    }
    return;
  }
  for await (const b of source.batches(order, batch)) {
    const n = b.labels.length;
    yield n === 0 ? { n, indices: b.indices } : { fields: writeBatch(dir, b, source.shapes), n, indices: b.indices };
  }
}
