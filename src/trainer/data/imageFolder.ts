// An image-folder dataset: <path>/train/<class>/*.png|jpg and <path>/val/<class>/…, class names from
// the train/ subfolders (sorted). Corrupt files are skipped and counted, or fail the run when strict.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FolderData } from '../../shared/experiment/types';
import { permutation, seededRandom } from '../random';
import { DataError, Dataset, Split } from './dataset';
import { decodeImage, isImageFile, toInput } from './decodeImage';

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

interface LoadOptions {
  imgsz: number;
  channels: 1 | 3;
  seed: number;
  strict: boolean;
  skipped: Dataset['skipped'];
}

function loadSplit(root: string, split: 'train' | 'val', classes: string[], o: LoadOptions): Split {
  const dir = path.join(root, split);
  const size = o.imgsz * o.imgsz * o.channels;
  const images: Float32Array[] = [];
  const labels: number[] = [];
  const names: string[] = [];
  classes.forEach((cls, label) => {
    const classDir = path.join(dir, cls);
    requireFolder(classDir, `class folder`);
    const files = readdirSync(classDir).filter(isImageFile).sort();
    if (files.length === 0) {
      throw new DataError(`class folder ${classDir} has no PNG or JPEG images: add images or remove the folder from train/ and val/`);
    }
    let decoded = 0;
    for (const f of files) {
      const file = path.join(classDir, f);
      try {
        images.push(toInput(decodeImage(readFileSync(file)), o.imgsz, o.channels));
        labels.push(label);
        names.push(`${split}/${cls}/${f}`);
        decoded++;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (o.strict)
          throw new DataError(`corrupt image ${file}: ${reason} (fix or delete it, or set data.strict: false to skip such files)`);
        o.skipped.push({ file, reason });
      }
    }
    if (decoded === 0) throw new DataError(`class folder ${classDir} has no readable images (${files.length} corrupt): replace them`);
  });
  const order = permutation(images.length, seededRandom(o.seed + (split === 'train' ? 1 : 2)));
  const x = new Float32Array(images.length * size);
  const y = new Int32Array(images.length);
  const files = order.map((from) => names[from]);
  order.forEach((from, to) => {
    x.set(images[from], to * size);
    y[to] = labels[from];
  });
  return { x, y, count: images.length, files };
}

export function loadImageFolder(spec: FolderData, imgsz: number, channels: 1 | 3, seed: number): Dataset {
  const root = spec.path;
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
  const skipped: Dataset['skipped'] = [];
  const o: LoadOptions = { imgsz, channels, seed, strict: spec.strict ?? false, skipped };
  const train = loadSplit(root, 'train', classes, o);
  const val = loadSplit(root, 'val', classes, o);
  return {
    classes,
    imageShape: [imgsz, imgsz, channels],
    train,
    val,
    skipped,
    description:
      `image folder ${root}: ${classes.length} classes, ${train.count} train, ${val.count} val, ${imgsz}x${imgsz}x${channels}` +
      (skipped.length ? `, ${skipped.length} corrupt file(s) skipped` : ''),
  };
}
