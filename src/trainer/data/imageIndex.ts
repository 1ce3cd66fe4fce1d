// The index of an image-folder dataset: every image's path and label, in the seeded order training
// sees them, built from directory listings alone (no file is opened), so it costs a path and a label
// per image whatever the images' size. Sample i of a split is the file at files[i]: class folders
// sorted, files sorted, then permutation(n, seededRandom(seed + 1)) for train (+ 2 for val), as the
// in-memory loader has always ordered its rows.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { permutation, seededRandom } from '../random';
import { DataError } from './dataset';
import { isImageFile } from './decodeImage';

export interface SplitIndex {
  /** Absolute paths, in sample order. */
  files: string[];
  labels: Int32Array;
  /** Files per label (to tell when a whole class turned out unreadable). */
  perClass: number[];
}

export interface FolderIndex {
  root: string;
  classes: string[];
  train: SplitIndex;
  val: SplitIndex;
}

/** A file that cannot be decoded, with data.strict: true. */
export function corruptImageError(file: string, reason: string): DataError {
  return new DataError(`corrupt image ${file}: ${reason} (fix or delete it, or set data.strict: false to skip such files)`);
}

/** Every file of a class folder turned out unreadable. */
export function unreadableClassError(someFile: string, corrupt: number): DataError {
  return new DataError(`class folder ${path.dirname(someFile)} has no readable images (${corrupt} corrupt): replace them`);
}

function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function requireFolder(dir: string, what: string): void {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new DataError(`${what} ${dir} does not exist: the data folder needs train/ and val/, each with one subfolder per class`);
}

function indexSplit(root: string, split: 'train' | 'val', classes: string[], seed: number): SplitIndex {
  const dir = path.join(root, split);
  const files: string[] = [];
  const labels: number[] = [];
  const perClass = classes.map((cls, label) => {
    const classDir = path.join(dir, cls);
    requireFolder(classDir, `class folder`);
    const names = readdirSync(classDir).filter(isImageFile).sort();
    if (names.length === 0) {
      throw new DataError(`class folder ${classDir} has no PNG or JPEG images: add images or remove the folder from train/ and val/`);
    }
    for (const f of names) {
      files.push(path.join(classDir, f));
      labels.push(label);
    }
    return names.length;
  });
  const order = permutation(files.length, seededRandom(seed + (split === 'train' ? 1 : 2)));
  return { files: order.map((i) => files[i]), labels: Int32Array.from(order, (i) => labels[i]), perClass };
}

/** Checks the layout (train/ and val/ with the same class folders, none empty) and lists the images. */
export function indexImageFolder(root: string, seed: number): FolderIndex {
  requireFolder(root, 'data folder');
  requireFolder(path.join(root, 'train'), 'training folder');
  requireFolder(path.join(root, 'val'), 'validation folder');
  const classes = subfolders(path.join(root, 'train'));
  if (classes.length === 0) throw new DataError(`${path.join(root, 'train')} has no class subfolders: add one folder of images per class`);
  if (classes.length === 1) {
    throw new DataError(`${path.join(root, 'train')} has only one class folder (${classes[0]}): a classifier needs at least 2 classes`);
  }
  const valClasses = subfolders(path.join(root, 'val'));
  const missing = classes.filter((c) => !valClasses.includes(c));
  const extra = valClasses.filter((c) => !classes.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length ? `missing in val/: ${missing.join(', ')}` : '',
      extra.length ? `only in val/: ${extra.join(', ')}` : '',
    ].filter((s) => s);
    throw new DataError(`train/ and val/ under ${root} must have the same class folders (${parts.join('; ')})`);
  }
  return { root, classes, train: indexSplit(root, 'train', classes, seed), val: indexSplit(root, 'val', classes, seed) };
}
