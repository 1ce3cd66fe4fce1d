// A verified cache file as a SampleSource: batches by sample index, each sample one positioned read
// of its row, float16 widened to float32 on the way. Nothing but the batches in flight is held, so
// the process's memory does not grow with the dataset (the page cache, which keeps recently read
// rows, is the kernel's and is given back under pressure). One batch is read ahead of the consumer.
// Samples the file lists as missing (unreadable images when it was built) are left out of the
// batches, as the image source and the in-memory cache (ArraySource) leave them out.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { SampleBatch, SampleSource } from '../data/sampleSource';
import { CacheLayout, sampleSize } from './cacheFile';
import { halvesToFloats } from './float16';

export class CacheFileSource implements SampleSource {
  readonly shapes: number[][];
  readonly count: number;
  private readonly missing: ReadonlySet<number>;

  private constructor(
    private readonly handle: FileHandle,
    private readonly layout: CacheLayout,
    readonly labels: Int32Array,
  ) {
    this.shapes = layout.header.shapes;
    this.count = layout.header.count;
    this.missing = new Set(layout.missing);
  }

  /** Opens a file `verifyCacheFile` accepted; `labels` are the samples' labels in the file's order. */
  static async open(file: string, layout: CacheLayout, labels: Int32Array): Promise<CacheFileSource> {
    if (labels.length !== layout.header.count)
      throw new Error(`cache file ${file} holds ${layout.header.count} samples, the data has ${labels.length}`);
    return new CacheFileSource(await open(file, 'r'), layout, labels);
  }

  /** The samples `indices`, one array per output. */
  async read(indices: ArrayLike<number>): Promise<Float32Array[]> {
    const { dataOffset, rowBytes, rowValues, header } = this.layout;
    const n = indices.length;
    const raw = Buffer.allocUnsafe(n * rowBytes);
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const idx = indices[i];
        if (!(idx >= 0 && idx < this.count)) throw new Error(`sample ${idx} is outside the cache (0…${this.count - 1})`);
        if (this.missing.has(idx)) throw new Error(`sample ${idx} has no cached outputs (its image was unreadable)`);
        const { bytesRead } = await this.handle.read(raw, i * rowBytes, rowBytes, dataOffset + idx * rowBytes);
        if (bytesRead !== rowBytes) throw new Error(`cache file ended early at sample ${idx}`);
      }),
    );
    const rows = new Float32Array(n * rowValues);
    if (header.dtype === 'f16') halvesToFloats(new Uint16Array(raw.buffer, raw.byteOffset, n * rowValues), rows);
    else rows.set(new Float32Array(raw.buffer, raw.byteOffset, n * rowValues));
    // Rows hold the outputs side by side; the model takes one array per output.
    const sizes = this.shapes.map(sampleSize);
    if (sizes.length === 1) return [rows];
    const outs = sizes.map((s) => new Float32Array(n * s));
    for (let i = 0; i < n; i++) {
      let at = i * rowValues;
      sizes.forEach((s, k) => {
        outs[k].set(rows.subarray(at, at + s), i * s);
        at += s;
      });
    }
    return outs;
  }

  private async batch(indices: Int32Array): Promise<SampleBatch> {
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) labels[i] = this.labels[indices[i]];
    return { inputs: await this.read(indices), labels, indices };
  }

  async *batches(asked: ArrayLike<number>, batch: number): AsyncIterable<SampleBatch> {
    const order = this.missing.size ? Array.from(asked).filter((i) => !this.missing.has(i)) : asked;
    const cut = (b: number): Int32Array =>
      Int32Array.from({ length: Math.min(batch, order.length - b * batch) }, (_, i) => order[b * batch + i]);
    const total = Math.ceil(order.length / batch);
    let next = total > 0 ? this.batch(cut(0)) : undefined;
    for (let b = 0; b < total; b++) {
      const current = next!;
      next = b + 1 < total ? this.batch(cut(b + 1)) : undefined;
      // A failed read-ahead is reported when its batch is reached, not as an unhandled rejection.
      next?.catch(() => undefined);
      yield await current;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
