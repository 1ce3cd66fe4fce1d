// ms per training step of the reference CNN (engine-facts.md: 4 conv blocks 16/32/64/64, 3×3 same,
// ReLU, max-pool 2, dense 64, dense 10; 32×32×3 input, batch 32, Adam), from one run, for
// nothing frozen / conv backbone frozen / only the last dense trainable / the same two on cached
// backbone outputs (the frozen-prefix cache), on:
//   ours      the trainer's wasm engine as the trainer runs it by default: its kernels, XNNPACK
//             threads where the step has the work for them (chooseWasmThreads: the threads column)
//   ours-1t   the same on one thread (TRANSFER_LAB_WASM_THREADS=1)
//   ours-xnn2 the same engine always on 2 XNNPACK threads
//   ours-dp2  the same on one thread, data-parallel over two engines (this thread + one worker
//             thread; not in the default list)
//   stock     tfjs-backend-wasm as shipped
//   torch1/2  PyTorch CPU with 1 / 2 threads, when a python3 with torch is installed
// and with --gpu, on a machine with one:
//   webgpu    the trainer's WebGPU engine (npm `webgpu`, Dawn on Vulkan), same model code
//   torch-cuda PyTorch on CUDA
// plus the ratios to PyTorch, the arithmetic throughput against this engine's measured peak, and the
// cost model's predicted speed-ups. Usage:
//   npx tsc -p tsconfig.test.json && node out/bench/engine.js [--steps N] [--rounds R] [--json] [--variants a,b] [--frozen none,backbone] [--gpu] [--batch B]
// (scripts/pack-bench.mjs packs it with its engines into one folder for a machine without npm).
// Every (variant, freeze) runs in its own process (kernel registration is process-wide), rounds
// interleave them so that load changes on a shared machine hit all alike; the table shows medians.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { estimateCost, stepFlops } from '../src/trainer/cost/estimateCost';
import type { ModelSummary, ModuleInfo } from '../src/shared/model/types';
import { activateEngine, wasmBinaryDir } from '../src/trainer/engines';
import { DataParallelStep } from './parallel/dataParallel';
import { chooseWasmThreads, runCpus } from '../src/trainer/parallel/wasmThreads';
import { adam } from '../src/trainer/train/fusedAdam';
import { buildCnn, FILTERS } from './referenceCnn';

const FREEZES = ['none', 'backbone', 'head', 'backbone+cache', 'head+cache'] as const;
type Freeze = (typeof FREEZES)[number];
const VARIANTS = ['ours', 'ours-1t', 'ours-xnn2', 'ours-dp2', 'stock', 'torch1', 'torch2', 'webgpu', 'torch-cuda'] as const;
type Variant = (typeof VARIANTS)[number];
const GPU_VARIANTS: Variant[] = ['webgpu', 'torch-cuda'];
const DEFAULT_VARIANTS = VARIANTS.filter((v) => v !== 'ours-dp2' && !GPU_VARIANTS.includes(v));
const ARGV = process.argv.slice(2);
/** Images per step: 32 as in engine-facts.md; a GPU only shows its width on bigger batches (--batch). */
const BATCH = ARGV.includes('--batch') ? Number(ARGV[ARGV.indexOf('--batch') + 1]) : 32;

interface Measured {
  wallMs?: number;
  cpuMs?: number;
  error?: string;
  peak?: { convGflops: number; matmulGflops: number };
  threads?: number;
  device?: string;
}

// ------------------------------------------------------------------ the model, tfjs

/** The trainable part on cached inputs: dense0 + dense1 on the 256 backbone features, or dense1 on dense0's 64. */
function buildHead(freeze: Freeze): tf.Sequential {
  const m = tf.sequential();
  if (freeze === 'backbone+cache') m.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [256], name: 'dense0' }));
  m.add(tf.layers.dense({ units: 10, name: 'dense1', ...(freeze === 'head+cache' ? { inputShape: [64] } : {}) }));
  return m;
}

async function measureTfjs(variant: Variant, freeze: Freeze, steps: number): Promise<Measured> {
  try {
    return await measureTfjsOn(variant, freeze, steps);
  } catch (err) {
    // An engine that cannot start (no GPU adapter, say) is a cell of the table, not a crash.
    return { error: (err as Error).message.split('\n')[0] };
  }
}

async function measureTfjsOn(variant: Variant, freeze: Freeze, steps: number): Promise<Measured> {
  if (variant === 'stock') {
    setWasmPaths(wasmBinaryDir()! + path.sep);
    await tf.setBackend('wasm');
  }
  let threads = 1;
  let device: string | undefined;
  if (variant === 'webgpu') {
    device = (await activateEngine('webgpu')).device;
  } else if (variant !== 'stock') {
    threads = variant === 'ours' ? chooseWasmThreads(stepFlopsOf(freeze), runCpus({}), {}).threads : variant === 'ours-xnn2' ? 2 : 1;
    await activateEngine('wasm', { wasmThreads: threads });
  }
  const cached = freeze.endsWith('+cache');
  const model = cached ? buildHead(freeze) : buildCnn(variant === 'stock');
  for (const l of model.layers) {
    if (freeze === 'backbone' && /^(conv|pool)/.test(l.name)) l.trainable = false;
    if (freeze === 'head' && l.name !== 'dense1') l.trainable = false;
  }
  // The trainer's Adam (fused on its wasm engine); stock tfjs runs tfjs' own.
  const opt = variant === 'stock' ? tf.train.adam(0.001) : adam(0.001);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const inShape = cached ? [freeze === 'backbone+cache' ? 256 : 64] : [32, 32, 3];
  const x = tf.randomUniform([BATCH, ...inShape], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 2), 10).toFloat() as tf.Tensor2D;
  let parallel: DataParallelStep | undefined;
  if (variant === 'ours-dp2') parallel = await DataParallelStep.start(model, vars, 'logits', 1);
  const step = async (): Promise<void> => {
    if (parallel) {
      await parallel.step(opt, [x], y);
      return;
    }
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
      vars,
    )!;
    await loss.data(); // the trainer reads each loss too; on a GPU this waits for the step
    loss.dispose();
  };
  try {
    const r = await timeSteps(step, steps);
    if (variant === 'ours-1t' && freeze === 'none') r.peak = peakGflops();
    return { ...r, threads, ...(device ? { device } : {}) };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  } finally {
    await parallel?.close();
  }
}

async function timeSteps(step: () => Promise<void>, steps: number): Promise<Measured> {
  for (let i = 0; i < 10; i++) await step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    await step();
    wall.push(performance.now() - t);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

/** Best-of throughput of one big convolution and one big matMul on this engine (one thread). */
function peakGflops(): { convGflops: number; matmulGflops: number } {
  const best = (f: () => tf.Tensor, flops: number): number => {
    let fastest = Infinity;
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      const r = f();
      r.dataSync();
      fastest = Math.min(fastest, performance.now() - t);
      r.dispose();
    }
    return flops / fastest / 1e6;
  };
  return tf.tidy(() => {
    const x = tf.randomNormal([32, 32, 32, 64]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D;
    const a = tf.randomNormal([1024, 1024]) as tf.Tensor2D;
    return {
      convGflops: best(() => tf.conv2d(x, w, 1, 'same'), 2 * 32 * 32 * 32 * 9 * 64 * 64),
      matmulGflops: best(() => tf.matMul(a, a), 2 * 1024 ** 3),
    };
  });
}

// ------------------------------------------------------------------ PyTorch

const TORCH_SCRIPT = `
import json, sys, time, torch, torch.nn as nn
threads, freeze, steps, batch, dev = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads); torch.manual_seed(0)
if dev == 'cuda' and not torch.cuda.is_available(): sys.exit('torch.cuda.is_available() is False')
def cnn():
    layers, c = [], 3
    for f in (16, 32, 64, 64):
        layers += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]; c = f
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
if freeze == 'backbone+cache':
    m, x = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10)), torch.rand(batch, 256)
elif freeze == 'head+cache':
    m, x = nn.Linear(64, 10), torch.rand(batch, 64)
else:
    m, x = cnn(), torch.rand(batch, 3, 32, 32)
    for i, l in enumerate(m):
        if freeze == 'backbone' and i < 12: l.requires_grad_(False)
        if freeze == 'head' and i != len(m) - 1: l.requires_grad_(False)
y = torch.randint(0, 10, (batch,))
m, x, y = m.to(dev), x.to(dev), y.to(dev)
opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], 1e-3)
lossf = nn.CrossEntropyLoss()
def step():  # .item() waits for the step on a GPU, as the trainer's loss read does
    opt.zero_grad(); l = lossf(m(x), y); l.backward(); opt.step(); return l.item()
for _ in range(10): step()
wall, cpu = [], []
for _ in range(steps):
    t, c = time.perf_counter(), time.process_time(); step()
    wall.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - c) * 1000)
wall.sort(); cpu.sort()
out = {"wallMs": wall[len(wall) // 2], "cpuMs": cpu[len(cpu) // 2]}
if dev == 'cuda': out["device"] = torch.cuda.get_device_name(0)
print(json.dumps(out))
`;

/** A python3 that imports torch (Debian's python3-torch lives under /usr/bin/python3). */
function findTorchPython(): string | undefined {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

function measureTorch(python: string, threads: number, freeze: Freeze, steps: number, device: 'cpu' | 'cuda'): Measured {
  const r = spawnSync(python, ['-c', TORCH_SCRIPT, String(threads), freeze, String(steps), String(BATCH), device], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || `exit ${r.status}`).trim().split('\n').pop() };
  return JSON.parse(r.stdout) as Measured;
}

// ------------------------------------------------------------------ the cost model's view of the same CNN

function referenceSummary(): ModelSummary {
  const modules: ModuleInfo[] = [];
  const add = (type: string, outShape: number[], params: Array<[string, number[]]> = []): void => {
    const index = modules.length;
    const layer = `model.${index}.${type.toLowerCase()}`;
    const ps = params.map(([n, shape]) => ({ name: `${layer}.${n}`, shape, count: shape.reduce((a, b) => a * b, 1) }));
    modules.push({
      index,
      name: `model.${index}`,
      type,
      outShape,
      layers: [{ name: layer, type, params: ps }],
      params: ps.reduce((a, p) => a + p.count, 0),
    });
  };
  let c = 3;
  let s = 32;
  for (const f of FILTERS) {
    add(
      'Conv2D',
      [s, s, f],
      [
        ['kernel', [3, 3, c, f]],
        ['bias', [f]],
      ],
    );
    s /= 2;
    add('MaxPooling2D', [s, s, f]);
    c = f;
  }
  add('Flatten', [256]);
  add(
    'Dense',
    [64],
    [
      ['kernel', [256, 64]],
      ['bias', [64]],
    ],
  );
  add(
    'Dense',
    [10],
    [
      ['kernel', [64, 10]],
      ['bias', [10]],
    ],
  );
  return { kind: 'tfjs', file: 'reference-cnn', modules, totalParams: modules.reduce((a, m) => a + m.params, 0), inputShape: [32, 32, 3] };
}

/** FLOPs of one step (whole batch) as the trainer predicts them to choose its threads. */
function stepFlopsOf(freeze: Freeze): number {
  const frozen = SPECS[freeze.replace('+cache', '')];
  const cost = estimateCost(referenceSummary(), frozen, BATCH);
  // The cached variants train only the modules after the frozen prefix.
  return stepFlops(freeze.endsWith('+cache') ? cost.modules.filter((m) => m.index >= frozen) : cost.modules, BATCH);
}

const SPECS: Record<string, number> = { none: 0, backbone: 8, head: 10 };

// ------------------------------------------------------------------ orchestration

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function child(variant: Variant, freeze: Freeze, steps: number, python?: string): Measured {
  if (variant === 'torch1' || variant === 'torch2' || variant === 'torch-cuda') {
    if (!python) return { error: 'no python3 with torch (apt-get install python3-torch)' };
    return measureTorch(python, variant === 'torch2' ? 2 : 1, freeze, steps, variant === 'torch-cuda' ? 'cuda' : 'cpu');
  }
  const env = { ...process.env };
  delete env.TRANSFER_LAB_WASM_THREADS; // each variant sets its own
  const r = spawnSync(
    process.execPath,
    [__filename, '--child', `${variant}:${freeze}`, '--steps', String(steps), '--batch', String(BATCH)],
    { encoding: 'utf8', env },
  );
  const out = r.stdout.trim().split('\n').pop() ?? '';
  if (!out.startsWith('{')) return { error: r.stderr.trim().split('\n').pop() || `exit ${r.status}` };
  return JSON.parse(out) as Measured;
}

function cell(m: Measured | undefined): string {
  if (!m) return '';
  if (m.wallMs === undefined) return `fails: ${m.error}`.slice(0, 40);
  return `${m.wallMs.toFixed(1)} (${m.cpuMs!.toFixed(1)})`;
}

async function main(): Promise<void> {
  const argv = ARGV;
  const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const steps = Number(opt('--steps', '15'));
  const childAt = argv.indexOf('--child');
  if (childAt >= 0) {
    const [variant, freeze] = argv[childAt + 1].split(':') as [Variant, Freeze];
    tf.env().set('PROD', true);
    const r = await measureTfjs(variant, freeze, steps);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0); // worker threads of the threaded wasm build must not keep the process
  }
  const rounds = Number(opt('--rounds', '3'));
  const variants = opt('--variants', [...DEFAULT_VARIANTS, ...(argv.includes('--gpu') ? GPU_VARIANTS : [])].join(',')).split(
    ',',
  ) as Variant[];
  const freezes = opt('--frozen', FREEZES.join(',')).split(',') as Freeze[];
  const unknown = [...variants.filter((v) => !VARIANTS.includes(v)), ...freezes.filter((f) => !FREEZES.includes(f))];
  if (unknown.length)
    throw new Error(`unknown ${unknown.join(', ')}: the variants are ${VARIANTS.join(', ')}; --frozen takes ${FREEZES.join(', ')}`);
  const python = findTorchPython();
  const runs = new Map<string, Measured[]>();
  for (let r = 0; r < rounds; r++) {
    for (const freeze of freezes) {
      for (const variant of variants) {
        const m = child(variant, freeze, steps, python);
        const key = `${variant}:${freeze}`;
        runs.set(key, [...(runs.get(key) ?? []), m]);
        if (!argv.includes('--json')) process.stderr.write(`round ${r + 1}/${rounds} ${key}: ${m.error ? `fails: ${m.error}` : cell(m)}\n`);
      }
    }
  }
  const result = new Map<string, Measured>();
  for (const [key, list] of runs) {
    const ok = list.filter((m) => m.wallMs !== undefined);
    const peak = list.find((m) => m.peak)?.peak;
    result.set(
      key,
      ok.length
        ? {
            wallMs: median(ok.map((m) => m.wallMs!)),
            cpuMs: median(ok.map((m) => m.cpuMs!)),
            threads: ok[0].threads,
            device: ok[0].device,
            ...(peak ? { peak } : {}),
          }
        : list[0],
    );
  }
  const get = (v: Variant, f: Freeze): Measured | undefined => result.get(`${v}:${f}`);

  // FLOPs per step from the cost model, and its predicted speed-ups.
  const summary = referenceSummary();
  const fullCost = estimateCost(summary, 0, BATCH);
  const fullStepFlops = stepFlops(fullCost.modules, BATCH);
  const peak = get('ours-1t', 'none')?.peak;

  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ steps, rounds, results: Object.fromEntries(result), stepFlops: fullStepFlops, peak })}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`reference CNN, batch ${BATCH}, Adam; median of ${rounds} rounds × ${steps} steps; wall ms/step (CPU ms/step of the process)`);
  const torch = (['torch1', 'torch2'] as Variant[]).filter((t) => variants.includes(t));
  const mine = (['ours', 'ours-1t'] as Variant[]).filter((v) => variants.includes(v));
  // Ratios: ours against PyTorch on the CPU; on a GPU, WebGPU against PyTorch CUDA and against ours.
  const pairs: Array<[Variant, Variant]> = mine.flatMap((v) => torch.map((t): [Variant, Variant] => [v, t]));
  if (variants.includes('webgpu')) {
    for (const b of ['torch-cuda', 'ours'] as Variant[]) if (variants.includes(b)) pairs.push(['webgpu', b]);
  }
  const head = ['frozen', ...variants, ...(variants.includes('ours') ? ['threads (ours)'] : []), ...pairs.map(([a, b]) => `${a}/${b}`)];
  const rows = freezes.map((f) => {
    const cells = [f, ...variants.map((v) => cell(get(v, f)))];
    if (variants.includes('ours')) cells.push(String(get('ours', f)?.threads ?? ''));
    for (const [v, t] of pairs) {
      const a = get(v, f)?.wallMs;
      const b = get(t, f)?.wallMs;
      cells.push(a && b ? `${(a / b).toFixed(2)}x` : '');
    }
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) out.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  out.push('');
  for (const v of GPU_VARIANTS) {
    const d = FREEZES.map((f) => get(v, f)?.device).find((x) => x);
    if (d) out.push(`${v} device: ${d}`);
  }
  out.push(
    `FLOPs per step with nothing frozen: ${(fullStepFlops / 1e6).toFixed(0)} MFLOP (forward ${((BATCH * fullCost.total.forwardFlops) / 1e6).toFixed(0)}, backward ${((BATCH * fullCost.total.backwardFlops) / 1e6).toFixed(0)})`,
  );
  if (peak) {
    const twoCores = 2 * Math.max(peak.convGflops, peak.matmulGflops);
    out.push(
      `peak of this engine, one thread: conv ${peak.convGflops.toFixed(1)} GFLOP/s, matMul ${peak.matmulGflops.toFixed(1)} GFLOP/s; two-core limit ${twoCores.toFixed(1)} GFLOP/s`,
    );
    for (const v of ['ours', 'ours-1t', 'ours-xnn2', 'ours-dp2', 'torch1', 'torch2'] as Variant[]) {
      // CPU variants only
      const ms = get(v, 'none')?.wallMs;
      if (ms)
        out.push(
          `  ${v.padEnd(9)} nothing frozen: ${(fullStepFlops / ms / 1e6).toFixed(1)} GFLOP/s = ${((100 * fullStepFlops) / ms / 1e6 / twoCores).toFixed(0)}% of the two-core limit`,
        );
    }
  }
  // The cost model predicts one thread's step time.
  const full = get('ours-1t', 'none')?.wallMs;
  if (full) {
    out.push('predicted (src/shared/cost) vs measured (ours-1t) speed-up over nothing frozen:');
    for (const f of ['backbone', 'head'] as Freeze[]) {
      const ms = get('ours-1t', f)?.wallMs;
      out.push(
        `  ${f.padEnd(9)} predicted ${estimateCost(summary, SPECS[f], BATCH).speedup.toFixed(2)}x, measured ${ms ? (full / ms).toFixed(2) : '?'}x`,
      );
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

void main();
