// The predictions bench's synthetic runs: per run, a predictions file as the host sends it
// (src/shared/panel/predictionsMessage.ts) with seeded predictions over one shared validation set,
// its confusion matrix counted from them, the N highest-"loss" images and a 28×28 grayscale PNG
// thumbnail for each. The benchmark measures drawing, not training: nothing here is a model's output.
import { deflateSync } from 'node:zlib';
import type { HostMessage } from '../src/shared/panel/contract';
import { PREDICTIONS_VERSION, type Predictions } from '../src/shared/runFolder/predictions';

export interface BenchPredictionsArgs {
  runs: number;
  classes: number;
  /** Top-loss images (with thumbnails) per run. */
  images: number;
  /** Validation images. */
  validation: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A `size`×`size` 8-bit grayscale PNG of `pixel(x, y)` (0…255), base64. */
export function grayPng(size: number, pixel: (x: number, y: number) => number): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (size + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size + 1)] = 0;
    for (let x = 0; x < size; x++) raw[y * (size + 1) + 1 + x] = Math.max(0, Math.min(255, Math.round(pixel(x, y))));
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]).toString('base64');
}

export function makePredictionMessages(args: BenchPredictionsArgs): HostMessage[] {
  let seed = 4242;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const classes = Array.from({ length: args.classes }, (_, i) => `class ${i}`);
  const truth = Array.from({ length: args.validation }, () => Math.floor(rnd() * args.classes));
  const out: HostMessage[] = [];
  for (let r = 0; r < args.runs; r++) {
    const errorRate = 0.05 + (0.25 * r) / Math.max(1, args.runs);
    const predicted = truth.map((t) => (rnd() < errorRate ? (t + 1 + Math.floor(rnd() * (args.classes - 1))) % args.classes : t));
    const confusion = classes.map(() => classes.map(() => 0));
    truth.forEach((t, i) => confusion[t][predicted[i]]++);
    const wrong = predicted.flatMap((p, i) => (p !== truth[i] ? [i] : []));
    const top = wrong.slice(0, args.images).map((index, k) => ({
      index,
      truth: truth[index],
      predicted: predicted[index],
      probability: 0.5 + 0.5 * rnd(),
      loss: 6 - (4 * k) / args.images,
    }));
    const thumbnails: Record<string, string> = {};
    for (const x of top) thumbnails[String(x.index)] = grayPng(28, (px, py) => 128 + 127 * Math.sin((px + x.index) / 3) * Math.cos(py / 4));
    const predictions: Predictions = {
      version: PREDICTIONS_VERSION,
      epoch: 10,
      weights: 'best',
      classes,
      confusion,
      predicted,
      truth,
      topLosses: top,
      thumbnails,
    };
    out.push({
      type: 'predictions',
      run: `freeze-${r}`,
      view: { kind: 'predictions', file: `/runs/freeze-${r}/predictions/best.json`, predictions },
    });
  }
  return out;
}
