// A SampleSource over arrays in memory: MNIST digits, a frozen prefix's cached outputs, test sets.
// Batches are copies of the asked-for rows; samples listed as missing (unreadable when the arrays
// were filled) are left out, as a streamed source leaves them out.
import type { Dataset, DataSources } from './dataset';
import type { SampleBatch, SampleSource } from './sampleSource';

function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class ArraySource implements SampleSource {
  readonly count: number;

  constructor(
    /** One flat array per input, `count` samples each. */
    readonly arrays: Float32Array[],
    readonly shapes: number[][],
    readonly labels: Int32Array,
    private readonly missing: ReadonlySet<number> = new Set(),
  ) {
    this.count = labels.length;
  }

  async *batches(order: ArrayLike<number>, batch: number): AsyncIterable<SampleBatch> {
    const kept = Array.from(order).filter((i) => !this.missing.has(i));
    for (let start = 0; start < kept.length; start += batch) {
      const indices = Int32Array.from(kept.slice(start, start + batch));
      const inputs = this.arrays.map((arr, k) => {
        const size = sampleSize(this.shapes[k]);
        const buf = new Float32Array(indices.length * size);
        indices.forEach((s, i) => buf.set(arr.subarray(s * size, (s + 1) * size), i * size));
        return buf;
      });
      yield { inputs, labels: Int32Array.from(indices, (i) => this.labels[i]), indices };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An in-memory dataset (MNIST) as sources. */
export function memorySources(d: Dataset): DataSources {
  return {
    ...d,
    train: new ArraySource([d.train.x], [d.imageShape], d.train.y),
    val: new ArraySource([d.val.x], [d.imageShape], d.val.y),
    close: () => Promise.resolve(),
  };
}

/** 0…count-1: the order evaluation and caching read a set in. */
export function inOrder(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}
