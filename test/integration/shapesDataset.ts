// A tiny two-class detection set in YOLO format for the real-YOLOv5 tests: red squares (class 0)
// and blue discs (class 1) on noise, 32 train + 8 val PNG images of 96×96, one to three objects
// each, and its dataset YAML (the layout of shared/vendor/make_shapes.py, drawn here so the test
// needs nothing beyond YOLOv5 itself). Seeded: every run gets the same images.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { seededRandom } from '../../src/trainer/random';

const SIZE = 96;
export const SHAPES_CLASSES = ['square', 'disc'];

function drawImage(rand: () => number): { png: Buffer; labels: string[] } {
  const img = new PNG({ width: SIZE, height: SIZE });
  for (let i = 0; i < SIZE * SIZE; i++) {
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = 100 + Math.floor(rand() * 60);
    img.data[i * 4 + 3] = 255;
  }
  const labels: string[] = [];
  const objects = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < objects; k++) {
    const cls = rand() < 0.5 ? 0 : 1;
    const s = 16 + Math.floor(rand() * 17);
    const x0 = Math.floor(rand() * (SIZE - s));
    const y0 = Math.floor(rand() * (SIZE - s));
    const rgb = cls === 0 ? [220, 0, 0] : [0, 0, 220];
    const r = s / 2;
    for (let y = y0; y < y0 + s; y++) {
      for (let x = x0; x < x0 + s; x++) {
        const inside = cls === 0 || (x + 0.5 - (x0 + r)) ** 2 + (y + 0.5 - (y0 + r)) ** 2 <= r * r;
        if (inside) for (let c = 0; c < 3; c++) img.data[(y * SIZE + x) * 4 + c] = rgb[c];
      }
    }
    const f = (v: number) => (v / SIZE).toFixed(6);
    labels.push(`${cls} ${f(x0 + r)} ${f(y0 + r)} ${f(s)} ${f(s)}`);
  }
  return { png: PNG.sync.write(img), labels };
}

/** Writes `dir/images/{train,val}`, `dir/labels/{train,val}` and `dir/shapes.yaml`; returns the YAML's path. */
export function writeShapesDataset(dir: string): string {
  const rand = seededRandom(1);
  for (const [split, n] of [
    ['train', 32],
    ['val', 8],
  ] as const) {
    mkdirSync(path.join(dir, 'images', split), { recursive: true });
    mkdirSync(path.join(dir, 'labels', split), { recursive: true });
    for (let i = 0; i < n; i++) {
      const name = String(i).padStart(3, '0');
      const { png, labels } = drawImage(rand);
      writeFileSync(path.join(dir, 'images', split, `${name}.png`), png);
      writeFileSync(path.join(dir, 'labels', split, `${name}.txt`), `${labels.join('\n')}\n`);
    }
  }
  const yaml = path.join(dir, 'shapes.yaml');
  writeFileSync(
    yaml,
    `path: ${JSON.stringify(dir)}\ntrain: images/train\nval: images/val\nnc: ${SHAPES_CLASSES.length}\nnames: [${SHAPES_CLASSES.join(', ')}]\n`,
  );
  return yaml;
}
