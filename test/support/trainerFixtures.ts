// Test fixtures for the trainer: image-folder datasets written as real PNG/JPEG files.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A size×size PNG in one colour with a bright square whose position varies with `variant`. */
export function writePng(file: string, size: number, rgb: [number, number, number], variant = 0): void {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    const x = i % size;
    const y = Math.floor(i / size);
    const spot = Math.abs(x - (variant % size)) < 2 && Math.abs(y - ((variant * 3) % size)) < 2;
    png.data[i * 4] = spot ? Math.min(255, rgb[0] + 40) : rgb[0];
    png.data[i * 4 + 1] = rgb[1];
    png.data[i * 4 + 2] = rgb[2];
    png.data[i * 4 + 3] = 255;
  }
  writeFileSync(file, PNG.sync.write(png));
}

function writeJpeg(file: string, size: number, rgb: [number, number, number]): void {
  const data = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  writeFileSync(file, jpeg.encode({ width: size, height: size, data }, 95).data);
}

/** Class i (in the order given) is painted red when its sorted index is odd, blue otherwise. */
export function writeImageFolder(
  root: string,
  o: { classes: string[]; perClass: number; size: number; jpeg?: boolean; valPerClass?: number },
): void {
  const sorted = [...o.classes].sort();
  for (const split of ['train', 'val']) {
    const count = split === 'val' ? (o.valPerClass ?? o.perClass) : o.perClass;
    for (const cls of o.classes) {
      const dir = path.join(root, split, cls);
      mkdirSync(dir, { recursive: true });
      const label = sorted.indexOf(cls);
      const rgb: [number, number, number] = label % 2 === 1 ? [200, 30, 30] : [30, 30, 200];
      for (let i = 0; i < count; i++) {
        if (o.jpeg && i === count - 1) writeJpeg(path.join(dir, `img${i}.jpg`), o.size, rgb);
        else writePng(path.join(dir, `img${i}.png`), o.size, rgb, i + label * 5);
      }
    }
  }
}

/** A small CNN in YOLOv5 model-YAML form: modules 0–3 are the backbone, 4–5 the head. */
export const TINY_MODEL = `nc: 2
backbone:
  - [-1, 1, Conv, [8, 3, 1]]   # 0
  - [-1, 1, MaxPool, [2, 2]]   # 1
  - [-1, 1, Conv, [8, 3, 1]]   # 2
  - [-1, 1, MaxPool, [2, 2]]   # 3
head:
  - [-1, 1, Flatten, []]       # 4
  - [-1, 1, Dense, [nc]]       # 5
`;

export interface ExperimentFixture {
  name?: string;
  weights?: string;
  data: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  imgsz?: number;
  freeze?: string;
  model?: string;
}

/** Writes model.yaml (unless `model` is given) and <file> into `dir`; returns the experiment path. */
export function writeExperiment(dir: string, file: string, o: ExperimentFixture): string {
  mkdirSync(dir, { recursive: true });
  if (!o.model) writeFileSync(path.join(dir, 'model.yaml'), TINY_MODEL);
  const lines = [
    ...(o.name ? [`name: ${o.name}`] : []),
    `model: ${o.model ?? 'model.yaml'}`,
    ...(o.weights ? [`weights: ${o.weights}`] : []),
    `data: ${o.data}`,
    'train:',
    `  epochs: ${o.epochs ?? 2}`,
    `  batch: ${o.batch ?? 16}`,
    `  optimizer: ${o.optimizer ?? 'adam'}`,
    `  lr: ${o.lr ?? 0.01}`,
    '  seed: 3',
    `  imgsz: ${o.imgsz ?? 14}`,
    `freeze: ${o.freeze ?? '0'}`,
  ];
  const p = path.join(dir, file);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

/** What a finished run's folder holds, on every engine. */
export const RUN_FOLDER_FILES = [
  'experiment.yaml',
  'run.json',
  'metrics.jsonl',
  'results.csv',
  'train.log',
  'weights/last/model.json',
  'weights/last/weights.bin',
  'weights/last/optimizer.bin',
  'weights/best/model.json',
  'weights/best/weights.bin',
];

export const MNIST_01 = '{ source: mnist, classes: [0, 1], limit: 64, valFraction: 0.05 }';
