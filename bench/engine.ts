// ms per training step of the reference CNN (engine-facts.md: 4 conv blocks 16/32/64/64, 3×3 same,
// ReLU, max-pool 2, dense 64, dense 10; 32×32×3 input, batch 32, Adam) on wasm with the trainer's
// kernels versus stock tfjs-backend-wasm, for nothing frozen / conv backbone frozen / head only.
// Usage: npx tsc -p tsconfig.test.json && node out/bench/engine.js [--steps N] [--json]
// Each variant runs in its own process (kernel registration is process-wide). Compare ratios from
// one run: these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { activateEngine, wasmBinaryDir } from '../src/trainer/engines';
import { conv2d, LazyGradConv2D } from '../src/trainer/model/lazyGradConv2d';

type Freeze = 'none' | 'backbone' | 'head-only';
type Variant = 'ours' | 'stock';

function buildCnn(variant: Variant): tf.Sequential {
  const m = tf.sequential();
  [16, 32, 64, 64].forEach((filters, i) => {
    const args = { filters, kernelSize: 3, padding: 'same' as const, activation: 'relu' as const, ...(i === 0 ? { inputShape: [32, 32, 3] } : {}), name: `conv${i}` };
    m.add(variant === 'ours' ? conv2d(args) : tf.layers.conv2d(args));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 64, activation: 'relu', name: 'dense0' }));
  m.add(tf.layers.dense({ units: 10, name: 'dense1' }));
  return m;
}

async function measure(variant: Variant, freeze: Freeze, steps: number): Promise<{ msPerStep?: number; error?: string }> {
  if (variant === 'ours') {
    await activateEngine('wasm');
  } else {
    setWasmPaths(wasmBinaryDir()! + path.sep);
    await tf.setBackend('wasm');
  }
  const model = buildCnn(variant);
  for (const l of model.layers) {
    if (freeze === 'backbone' && l.name.startsWith('conv')) l.trainable = false;
    if (freeze === 'head-only' && l.name !== 'dense1') l.trainable = false;
    // As the trainer does: frozen convolutions in front of every trainable layer use the fused kernel.
    if (l instanceof LazyGradConv2D) l.fusedForward = !l.trainable;
  }
  const opt = tf.train.adam(0.001);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform([32, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 2), 10).toFloat();
  const step = async (): Promise<void> => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true, vars)!;
    await loss.data();
    loss.dispose();
  };
  try {
    for (let i = 0; i < 2; i++) await step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      await step();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { msPerStep: times[Math.floor(times.length / 2)] };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const steps = argv.includes('--steps') ? Number(argv[argv.indexOf('--steps') + 1]) : 10;
  const child = argv.indexOf('--child');
  if (child >= 0) {
    const [variant, freeze] = argv[child + 1].split(':') as [Variant, Freeze];
    tf.env().set('PROD', true);
    process.stdout.write(JSON.stringify(await measure(variant, freeze, steps)));
    return;
  }
  const rows: Array<{ variant: Variant; freeze: Freeze; msPerStep?: number; error?: string }> = [];
  for (const freeze of ['none', 'backbone', 'head-only'] as Freeze[]) {
    for (const variant of ['ours', 'stock'] as Variant[]) {
      const r = spawnSync(process.execPath, [__filename, '--child', `${variant}:${freeze}`, '--steps', String(steps)], { encoding: 'utf8' });
      const out = r.stdout.trim() ? (JSON.parse(r.stdout) as { msPerStep?: number; error?: string }) : { error: r.stderr.trim().split('\n').pop() };
      rows.push({ variant, freeze, ...out });
    }
  }
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  process.stdout.write(`reference CNN, batch 32, median of ${steps} steps, ms/step\n`);
  process.stdout.write(`${'frozen'.padEnd(10)} ${'wasm + trainer kernels'.padStart(24)} ${'wasm stock'.padStart(12)}\n`);
  for (const freeze of ['none', 'backbone', 'head-only']) {
    const cell = (v: Variant): string => {
      const r = rows.find((x) => x.variant === v && x.freeze === freeze)!;
      return r.msPerStep !== undefined ? r.msPerStep.toFixed(1) : `fails: ${r.error}`;
    };
    process.stdout.write(`${freeze.padEnd(10)} ${cell('ours').padStart(24)} ${cell('stock').padStart(12)}\n`);
  }
}

void main();
