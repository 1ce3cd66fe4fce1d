// Benchmark: how long the Modules view takes to show a large tfjs model. Writes a 1,000-layer
// model.json (MobileNet-style blocks of conv/BN/ReLU/depthwise layers) to a temp folder, then
// times reading + parsing it and building the tree rows, 20 runs, and prints the median.
// Run: npx tsc -p tsconfig.test.json && node out/bench/tree.js
// Prints numbers only; it asserts nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadModelSummary } from '../src/shared/model/load';
import { treeRows } from '../src/extension/modules/treeRows';

const LAYERS = 1000;
const RUNS = 20;

interface Layer {
  class_name: string;
  config: Record<string, unknown>;
  name: string;
  inbound_nodes: unknown[];
}

/** A functional-model topology and manifest in the format tfjs `model.save` writes. */
function syntheticModel(layerCount: number): string {
  const layers: Layer[] = [];
  const weights: Array<{ name: string; shape: number[]; dtype: string }> = [];
  const add = (name: string, className: string, params: Array<[string, number[]]>, extra: Record<string, unknown> = {}) => {
    const prev = layers.length ? layers[layers.length - 1].name : undefined;
    layers.push({
      class_name: className,
      name,
      config: { name, trainable: true, ...extra },
      inbound_nodes: prev ? [[[prev, 0, 0, {}]]] : [],
    });
    for (const [w, shape] of params) weights.push({ name: `${name}/${w}`, shape, dtype: 'float32' });
  };
  add('input_1', 'InputLayer', [], { batch_input_shape: [null, 96, 96, 3] });
  const c = 16;
  for (let b = 0; layers.length + 6 <= layerCount - 1; b++) {
    const p = `block_${b}`;
    add(`${p}_expand`, 'Conv2D', [['kernel', [1, 1, c, c * 4]]], { filters: c * 4, kernel_size: [1, 1] });
    add(`${p}_expand_BN`, 'BatchNormalization', [
      ['gamma', [c * 4]],
      ['beta', [c * 4]],
      ['moving_mean', [c * 4]],
      ['moving_variance', [c * 4]],
    ]);
    add(`${p}_expand_relu`, 'ReLU', []);
    add(`${p}_depthwise`, 'DepthwiseConv2D', [['depthwise_kernel', [3, 3, c * 4, 1]]], { kernel_size: [3, 3] });
    add(`${p}_depthwise_BN`, 'BatchNormalization', [
      ['gamma', [c * 4]],
      ['beta', [c * 4]],
      ['moving_mean', [c * 4]],
      ['moving_variance', [c * 4]],
    ]);
    add(`${p}_project`, 'Conv2D', [['kernel', [1, 1, c * 4, c]]], { filters: c, kernel_size: [1, 1] });
  }
  while (layers.length < layerCount - 1) add(`pool_${layers.length}`, 'GlobalAveragePooling2D', []);
  add(
    'predictions',
    'Dense',
    [
      ['kernel', [c, 10]],
      ['bias', [10]],
    ],
    { units: 10 },
  );
  return JSON.stringify({
    modelTopology: {
      class_name: 'Model',
      config: { name: 'bench', layers, input_layers: [['input_1', 0, 0]], output_layers: [['predictions', 0, 0]] },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-bench-tree-'));
  try {
    const file = path.join(dir, 'model.json');
    const json = syntheticModel(LAYERS);
    await writeFile(file, json);
    const parseMs: number[] = [];
    const rowsMs: number[] = [];
    const totalMs: number[] = [];
    let modules = 0;
    let children = 0;
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      const { summary, diagnostics } = await loadModelSummary(file);
      const t1 = performance.now();
      if (!summary) throw new Error(`the synthetic model did not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
      const rows = treeRows(summary, Math.floor(summary.modules.length / 2));
      const t2 = performance.now();
      parseMs.push(t1 - t0);
      rowsMs.push(t2 - t1);
      totalMs.push(t2 - t0);
      modules = rows.length;
      children = rows.reduce((a, m) => a + m.children.length, 0);
    }
    console.log(
      `tree bench: ${LAYERS}-layer tfjs model.json (${(json.length / 1024).toFixed(0)} KiB) → ${modules} module rows, ${children} layer rows; ${RUNS} runs`,
    );
    console.log(
      `  read+parse  median ${median(parseMs).toFixed(2)} ms  (min ${Math.min(...parseMs).toFixed(2)}, max ${Math.max(...parseMs).toFixed(2)})`,
    );
    console.log(
      `  tree rows   median ${median(rowsMs).toFixed(2)} ms  (min ${Math.min(...rowsMs).toFixed(2)}, max ${Math.max(...rowsMs).toFixed(2)})`,
    );
    console.log(`  total       median ${median(totalMs).toFixed(2)} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
