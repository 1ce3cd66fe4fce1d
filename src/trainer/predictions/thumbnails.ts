// Small PNG thumbnails of validation images, drawn from the model's own input (the decoded,
// resized [0, 1] pixels it classified), at most THUMBNAIL_SIDE pixels a side: grey images stay one
// channel, so a digit costs a few hundred bytes.
import { PNG } from 'pngjs';
import { resizeImage } from '../data/resize';
import type { SampleSource } from '../data/sampleSource';

export const THUMBNAIL_SIDE = 48;

/** Where thumbnails come from: validation images as h×w×c floats in [0, 1], read a few at a time
 *  (from memory, or decoded again from an image folder: the run keeps no copy of its images). */
export interface ValImages {
  shape: [number, number, number];
  /** The pixels of those of `indices` that can be read. */
  pixels(indices: number[]): Promise<Map<number, Float32Array>>;
}

/** ValImages over a SampleSource (the run's validation set): batches of the indices asked for. */
export function sourceImages(source: SampleSource, shape: [number, number, number]): ValImages {
  const size = shape[0] * shape[1] * shape[2];
  return {
    shape,
    pixels: async (indices) => {
      const out = new Map<number, Float32Array>();
      for await (const b of source.batches(indices, 256))
        b.indices.forEach((index, j) => out.set(index, b.inputs[0].slice(j * size, (j + 1) * size)));
      return out;
    },
  };
}

/** A base64 PNG (no `data:` prefix) of an h×w×c image (c = 1 or 3), shrunk to fit THUMBNAIL_SIDE. */
export function thumbnailPng(pixels: Float32Array, shape: [number, number, number]): string {
  const [h, w, c] = shape;
  const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(h, w));
  const th = Math.max(1, Math.round(h * scale));
  const tw = Math.max(1, Math.round(w * scale));
  const small = resizeImage(pixels, h, w, c, th, tw);
  const channels = c === 1 ? 1 : 3;
  const data = Buffer.alloc(th * tw * channels);
  for (let i = 0; i < th * tw; i++)
    for (let k = 0; k < channels; k++) data[i * channels + k] = Math.round(Math.min(1, Math.max(0, small[i * c + k])) * 255);
  const png = new PNG({ width: tw, height: th });
  png.data = data;
  const colorType = channels === 1 ? 0 : 2;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false }).toString('base64');
}

/** Thumbnails of `images` by validation index, encoded once while consecutive writes keep asking
 *  for them: only the last write's are kept, so memory stays about one file's worth however many
 *  images get one over a run. */
export class ThumbnailCache {
  private kept = new Map<number, string>();
  private used = new Map<number, string>();

  constructor(private readonly images: ValImages) {}

  /** Encodes thumbnails along `order` (validation indices) until their base64 adds up to `bytes`:
   *  the most a file within its bound can take, so nothing is decoded that cannot be written. */
  async fill(order: number[], bytes: number): Promise<void> {
    let total = 0;
    for (let at = 0; at < order.length && total <= bytes; at += 128) {
      const chunk = order.slice(at, at + 128);
      const missing = chunk.filter((i) => !this.used.has(i) && !this.kept.has(i));
      const pixels = missing.length ? await this.images.pixels(missing) : new Map<number, Float32Array>();
      for (const i of chunk) {
        const t = this.used.get(i) ?? this.kept.get(i) ?? (pixels.has(i) ? thumbnailPng(pixels.get(i)!, this.images.shape) : undefined);
        if (t === undefined) continue; // unreadable now: no thumbnail
        this.used.set(i, t);
        total += t.length + String(i).length + 6;
        if (total > bytes) break;
      }
    }
  }

  /** A thumbnail `fill` encoded ('' when there is none). */
  get(index: number): string {
    return this.used.get(index) ?? '';
  }

  /** After a write: forget thumbnails it did not use. */
  settle(): void {
    this.kept = this.used;
    this.used = new Map();
  }
}
