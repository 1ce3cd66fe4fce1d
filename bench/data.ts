// Data at scale (issue #21): synthetic 10-class RGB 32x32 PNG folders (+10% val) of 1k / 16k / 64k
// training images, each trained by `transfer-lab train` (freeze 0 and freeze 6, the digits example's
// layers with nc 10) and by a minimal PyTorch script (bench/dataTorch.py: ImageFolder + DataLoader,
// same layers, 2 threads), all in the same run. Per size and trainer: wall time of the whole process,
// seconds per epoch (train + val; ours from metrics.jsonl) and peak RSS (GNU time's maximum resident
// set); then ours/PyTorch wall for freeze 6 and ours' peak RSS at the largest size / at the smallest.
// Every run of ours starts with an empty runs folder, so freeze 6 includes building its prefix cache.
// The folders are kept under --dir (default <tmp>/transfer-lab-bench-data/<size>) and reused. Usage:
//   npm run compile && npx tsc -p tsconfig.test.json && node out/bench/data.js [--sizes 1000,4000] [--epochs 1] [--no-torch]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';

const ROOT = path.resolve(__dirname, '..', '..');
const ARGV = process.argv.slice(2);
const arg = (name: string, fallback: string): string => (ARGV.includes(name) ? ARGV[ARGV.indexOf(name) + 1] : fallback);
const SIZES = arg('--sizes', '1000,16000,64000').split(',').map(Number);
const EPOCHS = Number(arg('--epochs', '1'));
const DIR = arg('--dir', path.join(os.tmpdir(), 'transfer-lab-bench-data'));
const TORCH = !ARGV.includes('--no-torch');
const CLASSES = 10;
const SIDE = 32;

/** A seeded generator (mulberry32): the same folders on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Class k: stripes at an angle and a tint of its own, a random phase and pixel noise. */
function image(k: number, rnd: () => number): Buffer {
  const png = new PNG({ width: SIDE, height: SIDE });
  const angle = (k * Math.PI) / CLASSES;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const phase = rnd() * 6.28;
  for (let i = 0; i < SIDE * SIDE; i++) {
    const x = i % SIDE;
    const y = Math.floor(i / SIDE);
    const v = 0.5 + 0.5 * Math.sin((x * dx + y * dy) * 0.8 + phase);
    const rgb = [v * (0.4 + 0.06 * k), v * (1 - 0.06 * k), 0.5 * (1 - v)];
    for (let c = 0; c < 3; c++) png.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(255 * rgb[c] + (rnd() - 0.5) * 60)));
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** The folder for `size` training images, written once (a marker file says it is complete). */
function dataset(size: number): string {
  const root = path.join(DIR, String(size));
  if (existsSync(path.join(root, '.complete'))) return root;
  rmSync(root, { recursive: true, force: true });
  const t0 = Date.now();
  for (const [split, count] of [
    ['train', size],
    ['val', Math.round(size / 10)],
  ] as const) {
    const rnd = random(split === 'train' ? size : size + 1);
    for (let k = 0; k < CLASSES; k++) mkdirSync(path.join(root, split, `class${k}`), { recursive: true });
    for (let i = 0; i < count; i++) writeFileSync(path.join(root, split, `class${i % CLASSES}`, `img${i}.png`), image(i % CLASSES, rnd));
  }
  writeFileSync(path.join(root, '.complete'), '');
  console.log(`generated ${root} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return root;
}

interface Measured {
  wall: number;
  perEpoch: number;
  rssMb: number;
  acc: number;
}

/** Runs `cmd` under GNU time: wall seconds and the peak resident set. */
function timed(cmd: string[], cwd: string): { wall: number; rssMb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TL_TIME %e %M', ...cmd], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /TL_TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wall: Number(m[1]), rssMb: Number(m[2]) / 1024, stdout: r.stdout };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function ours(data: string, freeze: number): Measured {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-bench-data-'));
  try {
    const exp = path.join(dir, 'bench.experiment.yaml');
    writeFileSync(
      exp,
      [
        `model: ${path.join(ROOT, 'examples', 'digits', 'model.yaml')}`,
        `data: { source: folder, path: ${data} }`,
        'train:',
        `  epochs: ${EPOCHS}`,
        '  batch: 32',
        '  optimizer: adam',
        '  lr: 0.002',
        '  seed: 0',
        `  imgsz: ${SIDE}`,
        `freeze: ${freeze}`,
        '',
      ].join('\n'),
    );
    const t = timed(
      [process.execPath, path.join(ROOT, 'dist', 'trainer.js'), 'train', exp, '--name', 'r', '--json', '--engine', 'wasm'],
      dir,
    );
    const metrics = readFileSync(path.join(dir, 'runs', 'r', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch_seconds: number; 'val/accuracy': number });
    return {
      wall: t.wall,
      rssMb: t.rssMb,
      perEpoch: mean(metrics.map((m) => m.epoch_seconds)),
      acc: metrics[metrics.length - 1]['val/accuracy'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pytorch(data: string, freeze: number): Measured {
  const t = timed(['/usr/bin/python3', path.join(ROOT, 'bench', 'dataTorch.py'), data, String(freeze), String(EPOCHS)], ROOT);
  const r = JSON.parse(t.stdout.trim().split('\n').pop()!) as { epochSeconds: number[]; valAccuracy: number };
  return { wall: t.wall, rssMb: t.rssMb, perEpoch: mean(r.epochSeconds), acc: r.valAccuracy };
}

const row = (size: number, who: string, m: Measured): string =>
  `${String(size).padStart(7)}  ${who.padEnd(18)} ${m.wall.toFixed(1).padStart(8)} ${m.perEpoch.toFixed(2).padStart(8)} ${m.rssMb.toFixed(0).padStart(8)} ${m.acc.toFixed(3).padStart(8)}`;

function main(): void {
  console.log(`${EPOCHS} epoch(s), batch 32, ${SIDE}x${SIDE} RGB, ${CLASSES} classes, +10% val; ${os.cpus().length} CPUs`);
  console.log(
    `${'images'.padStart(7)}  ${'trainer'.padEnd(18)} ${'wall s'.padStart(8)} ${'s/epoch'.padStart(8)} ${'peak MB'.padStart(8)} ${'val acc'.padStart(8)}`,
  );
  const rss: number[] = [];
  for (const size of SIZES) {
    const data = dataset(size);
    const f0 = ours(data, 0);
    console.log(row(size, 'ours freeze 0', f0));
    const f6 = ours(data, 6);
    console.log(row(size, 'ours freeze 6', f6));
    rss.push(Math.max(f0.rssMb, f6.rssMb));
    if (TORCH) {
      console.log(row(size, 'PyTorch freeze 0', pytorch(data, 0)));
      const t6 = pytorch(data, 6);
      console.log(row(size, 'PyTorch freeze 6', t6));
      console.log(`${' '.repeat(9)}ours/PyTorch wall, freeze 6: ${(f6.wall / t6.wall).toFixed(2)}x`);
    }
  }
  if (SIZES.length > 1)
    console.log(`ours peak RSS at ${SIZES[SIZES.length - 1]} / at ${SIZES[0]} images: ${(rss[rss.length - 1] / rss[0]).toFixed(2)}x`);
}

main();
