// An image folder's split as a SampleSource: the index (paths and labels) in memory, the images
// decoded in batches on the decoding threads, at most `depth` batches ahead of the one being trained
// on, so memory is bounded by the prefetch depth and the batch size, never by the dataset's size.
// A file that turns out unreadable is left out of its batch (which comes out shorter) and of every
// later pass, and reported once through `onSkip`; with `strict` it fails the run instead, naming it.
import type { DecodedRows } from './decodeImage';
import { corruptImageError, SplitIndex, unreadableClassError } from './imageIndex';
import type { SampleBatch, SampleSource } from './sampleSource';

export interface StreamOptions {
  index: SplitIndex;
  imgsz: number;
  channels: 1 | 3;
  strict: boolean;
  /** Batches decoded (or being decoded) ahead of the one handed out last. */
  depth: number;
  decode: (files: string[], size: number, channels: 1 | 3) => Promise<DecodedRows>;
  onSkip: (file: string, reason: string) => void;
}

/** Batches ahead for a batch of `batchBytes`: a few, fewer for big batches (at most ~256 MB ahead). */
export function prefetchDepth(batchBytes: number): number {
  return Math.max(1, Math.min(3, Math.floor((256 * 1048576) / Math.max(1, batchBytes))));
}

function cut(order: number[], batch: number): number[][] {
  const pieces: number[][] = [];
  for (let i = 0; i < order.length; i += batch) pieces.push(order.slice(i, i + batch));
  return pieces;
}

export class StreamedImageSource implements SampleSource {
  readonly shapes: number[][];
  readonly count: number;
  readonly labels: Int32Array;
  /** Samples found unreadable: left out of every later pass. */
  readonly unreadable = new Set<number>();
  private readonly skippedPerClass: number[];

  constructor(private readonly o: StreamOptions) {
    this.shapes = [[o.imgsz, o.imgsz, o.channels]];
    this.count = o.index.files.length;
    this.labels = o.index.labels;
    this.skippedPerClass = o.index.perClass.map(() => 0);
  }

  async *batches(order: ArrayLike<number>, batch: number): AsyncIterable<SampleBatch> {
    const pieces = cut(
      Array.from(order).filter((i) => !this.unreadable.has(i)),
      batch,
    );
    const ahead: Array<Promise<SampleBatch>> = [];
    let next = 0;
    const fill = (): void => {
      while (next < pieces.length && ahead.length < this.o.depth) {
        const p = this.load(pieces[next++]);
        // A batch ahead may fail (strict, a dead thread) while an earlier one is being trained on:
        // handled here so Node does not see an unhandled rejection; awaiting it below still throws.
        p.catch(() => undefined);
        ahead.push(p);
      }
    };
    fill();
    while (ahead.length > 0) {
      const b = ahead.shift()!;
      fill(); // the next batch decodes while this one is trained on
      yield await b;
    }
  }

  private async load(indices: number[]): Promise<SampleBatch> {
    const { files, labels } = this.o.index;
    const r = await this.o.decode(
      indices.map((i) => files[i]),
      this.o.imgsz,
      this.o.channels,
    );
    for (const f of r.failed) this.skip(indices[f.at], f.reason);
    const kept = Int32Array.from(r.ok, (at) => indices[at]);
    return { inputs: [r.rows], labels: Int32Array.from(kept, (i) => labels[i]), indices: kept };
  }

  private skip(sample: number, reason: string): void {
    const file = this.o.index.files[sample];
    if (this.o.strict) throw corruptImageError(file, reason);
    if (this.unreadable.has(sample)) return;
    this.unreadable.add(sample);
    const label = this.labels[sample];
    const total = this.o.index.perClass[label];
    if (++this.skippedPerClass[label] === total) throw unreadableClassError(file, total);
    this.o.onSkip(file, reason);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
