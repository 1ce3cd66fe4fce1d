// The torch engine end to end through the trainer (`train --engine torch`: the worker protocol,
// progress lines, metrics, checkpoints and all) against bare PyTorch on the same model (the digits
// example's, bench/torchBare.py) with the same data size, batch and optimizer, in one run:
//   none      nothing frozen: trainer ms/step ÷ bare PyTorch ms/step (target ≤ 1.1x)
//   backbone  freeze 6: the trainer caches the frozen prefix's outputs; bare PyTorch runs the naive
//             frozen step (frozen modules without gradients, full forward every step) (target ≤ 0.5x)
//   head      freeze 8: likewise, only the last Dense trains
// The trainer's figure is its own metrics.jsonl (images_per_second of the training part of an epoch);
// epoch 1 (start-up) is left out, the median of the rest is taken; rounds interleave trainer and
// bare PyTorch so load changes on a shared machine hit both. Usage:
//   npm run compile && npx tsc -p tsconfig.test.json && node out/bench/torchEngine.js [--epochs N] [--rounds R] [--device cuda]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeTorch } from '../src/trainer/torch/probeTorch';

const ROOT = path.resolve(__dirname, '..', '..');
const ARGV = process.argv.slice(2);
const arg = (name: string, fallback: string): string => (ARGV.includes(name) ? ARGV[ARGV.indexOf(name) + 1] : fallback);
const EPOCHS = Number(arg('--epochs', '4'));
const ROUNDS = Number(arg('--rounds', '2'));
const DEVICE = arg('--device', 'cpu');
const IMAGES = 1500; // pretrain.experiment.yaml: limit 1500, batch 32
const BATCH = 32;
const CASES = [
  { label: 'nothing frozen', freeze: 0 },
  { label: 'backbone (6)', freeze: 6 },
  { label: 'all but head (8)', freeze: 8 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function throughTrainer(dir: string, freeze: number, round: number): { ms: number[]; cache: string } {
  const name = `f${freeze}-r${round}`;
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'trainer.js'),
      'train',
      'pretrain.experiment.yaml',
      '--engine',
      'torch',
      '--json',
      '--name',
      name,
      '--epochs',
      String(EPOCHS),
      '--freeze',
      String(freeze),
    ],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, TRANSFER_LAB_TORCH_DEVICE: DEVICE } },
  );
  if (r.status !== 0) throw new Error(`trainer failed: ${r.stderr}${r.stdout.slice(-2000)}`);
  const run = path.join(dir, 'runs', name);
  const metrics = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { images_per_second: number });
  const rec = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as { cache?: { used: boolean } };
  return { ms: metrics.slice(1).map((m) => (1000 * BATCH) / m.images_per_second), cache: rec.cache?.used ? 'cached' : 'not cached' };
}

function bare(python: string, freeze: number): number[] {
  const r = spawnSync(
    python,
    [
      path.join(ROOT, 'bench', 'torchBare.py'),
      String(freeze),
      String(IMAGES),
      String(BATCH),
      String(EPOCHS),
      DEVICE,
      path.join(ROOT, 'dist', 'mnist'),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bare PyTorch failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { msPerStep: number[] }).msPerStep.slice(1);
}

async function main(): Promise<void> {
  const torch = await probeTorch();
  if (!torch.available) throw new Error(`no PyTorch: ${torch.reason}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-bench-torch-'));
  try {
    cpSync(path.join(ROOT, 'examples', 'digits'), dir, { recursive: true });
    const rows = CASES.map(() => ({ trainer: [] as number[], bare: [] as number[], cache: '' }));
    for (let round = 0; round < ROUNDS; round++) {
      CASES.forEach((c, i) => {
        const t = throughTrainer(dir, c.freeze, round);
        rows[i].trainer.push(...t.ms);
        rows[i].cache = t.cache;
        rows[i].bare.push(...bare(torch.python!, c.freeze));
      });
    }
    const base = median(rows[0].bare);
    process.stdout.write(
      `torch engine vs bare PyTorch ${torch.torch} (${DEVICE}; ${torch.python}), digits model, ${IMAGES} images, batch ${BATCH}, ` +
        `median ms/step over ${ROUNDS} round(s) × ${EPOCHS - 1} epoch(s)\n\n`,
    );
    process.stdout.write(
      '| frozen | trainer, torch engine | bare PyTorch | trainer / bare | trainer / bare, nothing frozen |\n|---|---|---|---|---|\n',
    );
    CASES.forEach((c, i) => {
      const t = median(rows[i].trainer);
      const b = median(rows[i].bare);
      process.stdout.write(
        `| ${c.label} | ${t.toFixed(2)} (${rows[i].cache}) | ${b.toFixed(2)} | ${(t / b).toFixed(2)}x | ${(t / base).toFixed(2)}x |\n`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
});
