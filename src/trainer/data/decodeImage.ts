// PNG (pngjs) and JPEG (jpeg-js) to float pixels in [0, 1], RGB or grey, resized to a square.
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import * as path from 'node:path';
import { resizeImage } from './resize';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA bytes. */
  rgba: Uint8Array;
}

/** Decodes by content (magic bytes), not by extension; throws with a short reason when it cannot. */
export function decodeImage(bytes: Buffer): DecodedImage {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: png.data };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    // Not tolerant: a truncated JPEG should count as corrupt, not train as a half-grey image.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, rgba: img.data };
  }
  throw new Error(bytes.length === 0 ? 'empty file' : 'neither PNG nor JPEG data');
}

/** size×size×channels floats in [0, 1]; channels 1 is luma (BT.601), 3 is RGB; alpha is ignored. */
export function toInput(img: DecodedImage, size: number, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const px = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = img.rgba[i * 4] / 255;
    const g = img.rgba[i * 4 + 1] / 255;
    const b = img.rgba[i * 4 + 2] / 255;
    if (channels === 1) {
      px[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      px[i * 3] = r;
      px[i * 3 + 1] = g;
      px[i * 3 + 2] = b;
    }
  }
  return resizeImage(px, img.height, img.width, channels, size, size);
}
