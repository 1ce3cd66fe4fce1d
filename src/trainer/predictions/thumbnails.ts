// Small PNG thumbnails of validation images, drawn from the model's own input (the decoded,
// resized [0, 1] pixels it classified), at most THUMBNAIL_SIDE pixels a side: grey images stay one
// channel, so a digit costs a few hundred bytes.
import { PNG } from 'pngjs';
import { resizeImage } from '../data/resize';

export const THUMBNAIL_SIDE = 48;

/** Where thumbnails come from: validation image `index` as h×w×c floats in [0, 1]. */
export interface ValImages {
  shape: [number, number, number];
  pixels(index: number): Float32Array;
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

/** Thumbnails of `images`, encoded once while consecutive writes keep asking for them: only the last
 *  write's are kept, so memory stays about one file's worth however many images get one over a run. */
export class ThumbnailCache {
  private kept = new Map<number, string>();
  private used = new Map<number, string>();

  constructor(private readonly images: ValImages) {}

  get(index: number): string {
    const t = this.used.get(index) ?? this.kept.get(index) ?? thumbnailPng(this.images.pixels(index), this.images.shape);
    this.used.set(index, t);
    return t;
  }

  /** After a write: forget thumbnails it did not use. */
  settle(): void {
    this.kept = this.used;
    this.used = new Map();
  }
}
