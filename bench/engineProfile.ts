// Where a training step of the reference CNN spends its time, per kernel (tf.profile), on the
// trainer's engine: `node out/bench/engineProfile.js [none|backbone|head] [--threads N]`.
// Prints each kernel's total time and call count over one step (median of several steps).
import * as tf from '@tensorflow/tfjs';
import { activateEngine } from '../src/trainer/engines';
import { adam } from '../src/trainer/train/fusedAdam';
import { buildCnn } from './referenceCnn';

async function main(): Promise<void> {
  const freeze = process.argv[2] ?? 'none';
  tf.env().set('PROD', true);
  const argv = process.argv.slice(2);
  await activateEngine('wasm', { wasmThreads: argv.includes('--threads') ? Number(argv[argv.indexOf('--threads') + 1]) : 1 });
  const model = buildCnn();
  for (const l of model.layers) {
    if (freeze === 'backbone' && /^(conv|pool)/.test(l.name)) l.trainable = false;
    if (freeze === 'head' && l.name !== 'dense1') l.trainable = false;
  }
  const opt = process.env.STOCK_ADAM ? tf.train.adam(0.001) : adam(0.001);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform([32, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 2), 10).toFloat() as tf.Tensor2D;
  const step = (): void => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
      vars,
    )!;
    loss.dataSync();
    loss.dispose();
  };
  // Exclusive time per kernel: every wasm kernel is wrapped, and a kernel's time excludes the
  // kernels it runs itself (our backprop kernels are built from other kernels).
  const excl = new Map<string, number>();
  const calls = new Map<string, number>();
  const stack: number[] = [];
  let counting = false;
  const byShape = new Set((process.env.BY_SHAPE ?? 'Conv2D,BatchMatMul,MaxPoolGrad,Sum').split(','));
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!counting) return inner(args);
        stack.push(0);
        const t0 = performance.now();
        const r = inner(args);
        const dt = performance.now() - t0;
        const nested = stack.pop()!;
        if (stack.length) stack[stack.length - 1] += dt;
        const name = byShape.has(k.kernelName)
          ? `${k.kernelName} ${Object.values(args.inputs)
              .map((t) => (t as tf.TensorInfo).shape.join('x'))
              .join(' ')}`
          : k.kernelName;
        excl.set(name, (excl.get(name) ?? 0) + dt - nested);
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return r;
      },
    });
  }
  for (let i = 0; i < 5; i++) step();
  const STEPS = 20;
  counting = true;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const wall = (performance.now() - t0) / STEPS;
  counting = false;
  const rows = [...excl].map(([n, v]) => [n, v / STEPS] as const).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, r) => s + r[1], 0);
  for (const [n, ms] of rows)
    if (ms >= Number(process.env.MIN_MS ?? 0.05))
      console.log(`${n.padEnd(44)} ${ms.toFixed(2).padStart(7)} ms  ${String(calls.get(n)! / STEPS).padStart(3)} calls`);
  const allCalls = [...calls.values()].reduce((a, b) => a + b, 0) / STEPS;
  console.log(
    `kernels (exclusive) ${total.toFixed(1)} ms in ${allCalls} calls; step ${wall.toFixed(1)} ms; outside kernels ${(wall - total).toFixed(1)} ms`,
  );
  const t = performance.now();
  for (let i = 0; i < 15; i++) step();
  console.log(`step without profile ${((performance.now() - t) / 15).toFixed(1)} ms`);
}

void main().then(() => process.exit(0));
