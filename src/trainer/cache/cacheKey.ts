// What a frozen prefix's outputs depend on, hashed into the cache folder's name: the prefix's own
// weights (their values, read from the built model: pretrained, resumed or seeded, all covered; the
// run's weightsSha256 names only a file), the model file's text, which modules are cached (start and
// boundary: freeze values that cache the same prefix, e.g. 6 and 7 of the digits model, share one
// cache), the data (its canonical description, the seed that orders it, each image file's size and
// mtime, and the labels as loaded), the image shape and the file format's version.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DataSpec } from '../../shared/experiment/types';
import { describeData } from '../data/dataIdentity';
import { CACHE_FORMAT_VERSION } from './cacheFile';

export interface PrefixKeyInput {
  modelFile: string;
  /** The prefix's weight values, in the prefix model's order. */
  prefixWeights: Float32Array[];
  start: number;
  boundary: number[];
  data: DataSpec;
  seed: number;
  imageShape: [number, number, number];
  trainLabels: Int32Array;
  valLabels: Int32Array;
}

/** The parts of the key, kept readable in the cache folder's key.json. */
export interface PrefixKeyParts {
  format: number;
  model: string;
  prefixWeights: string;
  start: number;
  boundary: number[];
  data: string;
  files: string;
  seed: number;
  imageShape: number[];
  labels: string;
}

const sha = (parts: Array<string | Uint8Array>): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Each file under an image folder's train/ and val/ (relative path, size, mtime): what would change its images. */
export function folderFingerprint(root: string): string {
  const lines: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full, `${rel}${e.name}/`);
      else {
        const st = statSync(full);
        lines.push(`${rel}${e.name}\t${st.size}\t${st.mtimeMs}`);
      }
    }
  };
  for (const split of ['train', 'val']) walk(path.join(root, split), `${split}/`);
  return sha([lines.join('\n')]);
}

export function prefixKeyParts(k: PrefixKeyInput): PrefixKeyParts {
  return {
    format: CACHE_FORMAT_VERSION,
    model: sha([readFileSync(k.modelFile)]),
    prefixWeights: sha(k.prefixWeights.map(bytes)),
    start: k.start,
    boundary: k.boundary,
    data: describeData(k.data),
    // The digits ship with the trainer (a fixed pack): their description and labels identify them.
    files: k.data.source === 'folder' ? folderFingerprint(k.data.path) : k.data.source,
    seed: k.seed,
    imageShape: k.imageShape,
    labels: sha([bytes(k.trainLabels), bytes(k.valLabels)]),
  };
}

/** The folder name: 24 hex digits of the parts' hash. */
export function prefixKey(parts: PrefixKeyParts): string {
  return sha([JSON.stringify(parts)]).slice(0, 24);
}
