// Where a training step's inputs come from, whatever holds them: images decoded ahead from disk
// (image folders, streamed: data/…), arrays in memory (MNIST digits), or a frozen prefix's outputs
// spilled to a cache file (train/…). Consumers ask for batches by sample index; a source may decode
// or read ahead from the order it is told, so memory stays bounded by the batches in flight, not by
// the dataset's size.

export interface SampleBatch {
  /** One array per model input: `labels.length` samples, row-major, float32. */
  inputs: Float32Array[];
  labels: Int32Array;
  /** The sample indices in `inputs` (those asked for, minus any that turned out unreadable). */
  indices: Int32Array;
}

export interface SampleSource {
  /** Per-sample shape of each input (without the batch dimension). */
  readonly shapes: number[][];
  /** Samples in the source (indices 0…count-1). */
  readonly count: number;
  /** Label of every sample, known from the index before any image is decoded. */
  readonly labels: Int32Array;
  /** The batches, in order, of samples `order` cut into `batch`-sized pieces; reading ahead at most
   *  the source's prefetch depth. Samples that cannot be read are left out (and reported by the
   *  source's owner), so a batch may be shorter. */
  batches(order: ArrayLike<number>, batch: number): AsyncIterable<SampleBatch>;
  /** Frees what the source holds (worker threads, file handles). */
  close(): Promise<void>;
}
