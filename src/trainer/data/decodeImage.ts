// PNG (pngjs) and JPEG (jpeg-js) to float pixels in [0, 1], RGB or grey, resized to a square.
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
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

export interface DecodedRows {
  /** The readable files' inputs, in request order, `ok.length` rows of size×size×channels. */
  rows: Float32Array;
  /** Positions (in the request) of the files that decoded. */
  ok: Int32Array;
  failed: Array<{ at: number; reason: string }>;
}

/** Reads and decodes `files` into one array of rows (toInput's floats, bit for bit); unreadable files are listed, not thrown. */
export function decodeFiles(files: string[], size: number, channels: 1 | 3): DecodedRows {
  const px = size * size * channels;
  const rows = new Float32Array(files.length * px);
  const ok: number[] = [];
  const failed: DecodedRows['failed'] = [];
  files.forEach((file, at) => {
    try {
      rows.set(toInput(decodeImage(readFileSync(file)), size, channels), ok.length * px);
      ok.push(at);
    } catch (err) {
      failed.push({ at, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return { rows: rows.subarray(0, ok.length * px), ok: Int32Array.from(ok), failed };
}
