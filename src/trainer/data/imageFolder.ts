// An image-folder dataset: <path>/train/<class>/*.png|jpg and <path>/val/<class>/…, class names from
// the train/ subfolders (sorted), the order from imageIndex.ts. Training streams it (openImageFolder:
// decoded in batches on threads, ahead of the step); loadImageFolder decodes it all into memory, in
// the same order with the same numbers. Corrupt files are skipped and listed, or fail the run when strict.
import * as path from 'node:path';
import type { FolderData } from '../../shared/experiment/types';
import type { Dataset, DataSources, Split } from './dataset';
import { decodeFiles } from './decodeImage';
import { DecodePool } from './decodePool';
import { corruptImageError, FolderIndex, indexImageFolder, SplitIndex, unreadableClassError } from './imageIndex';
import { prefetchDepth, StreamedImageSource } from './streamedSource';

/** `val/cat/1.png`: a sample's file relative to the data folder, '/'-separated on every OS. */
function relativeFile(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

function describe(index: FolderIndex, train: number, val: number, imgsz: number, channels: number): string {
  return `image folder ${index.root}: ${index.classes.length} classes, ${train} train, ${val} val, ${imgsz}x${imgsz}x${channels}`;
}

function decodeSplit(index: SplitIndex, imgsz: number, channels: 1 | 3, strict: boolean, skipped: Dataset['skipped']): Split {
  const r = decodeFiles(index.files, imgsz, channels);
  const failedPerClass = index.perClass.map(() => 0);
  for (const f of r.failed) {
    const file = index.files[f.at];
    if (strict) throw corruptImageError(file, f.reason);
    skipped.push({ file, reason: f.reason });
    failedPerClass[index.labels[f.at]]++;
  }
  failedPerClass.forEach((n, label) => {
    if (n > 0 && n === index.perClass[label]) {
      throw unreadableClassError(index.files[index.labels.indexOf(label)], n);
    }
  });
  return { x: r.rows, y: Int32Array.from(r.ok, (at) => index.labels[at]), count: r.ok.length };
}

/** The whole dataset decoded into memory (rows in the index's order, unreadable files left out). */
export function loadImageFolder(spec: FolderData, imgsz: number, channels: 1 | 3, seed: number): Dataset {
  const index = indexImageFolder(spec.path, seed);
  const skipped: Dataset['skipped'] = [];
  const train = decodeSplit(index.train, imgsz, channels, spec.strict ?? false, skipped);
  const val = decodeSplit(index.val, imgsz, channels, spec.strict ?? false, skipped);
  return {
    classes: index.classes,
    imageShape: [imgsz, imgsz, channels],
    train,
    val,
    skipped,
    description:
      describe(index, train.count, val.count, imgsz, channels) + (skipped.length ? `, ${skipped.length} corrupt file(s) skipped` : ''),
  };
}

export interface StreamSettings {
  /** Decoding threads (decodeThreads in decodePool.ts). */
  threads: number;
  /** The largest batch the run reads (sets the prefetch depth). */
  batch: number;
  /** Told of each unreadable file once, when it is found. */
  onSkip: (file: string, reason: string) => void;
}

/** The dataset as streamed sources: only the index is read now; images are decoded while training. */
export function openImageFolder(spec: FolderData, imgsz: number, channels: 1 | 3, seed: number, s: StreamSettings): DataSources {
  const index = indexImageFolder(spec.path, seed);
  const pool = new DecodePool(s.threads);
  const skipped: Dataset['skipped'] = [];
  const common = {
    imgsz,
    channels,
    strict: spec.strict ?? false,
    depth: prefetchDepth(s.batch * imgsz * imgsz * channels * 4),
    decode: (files: string[], size: number, c: 1 | 3) => pool.decode(files, size, c),
    onSkip: (file: string, reason: string) => {
      skipped.push({ file, reason });
      s.onSkip(file, reason);
    },
  };
  const train = new StreamedImageSource({ ...common, index: index.train });
  const val = new StreamedImageSource({ ...common, index: index.val });
  return {
    classes: index.classes,
    imageShape: [imgsz, imgsz, channels],
    train,
    val,
    skipped,
    valFiles: index.val.files.map((f) => relativeFile(index.root, f)),
    description: `${describe(index, train.count, val.count, imgsz, channels)} (decoded in batches while training, ${s.threads} thread(s))`,
    close: () => pool.close(),
  };
}
