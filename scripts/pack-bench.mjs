// Packs bench/engine.ts with the engines it measures into one folder that runs with `node` alone,
// for a machine with no npm registry (a GPU box): the bench bundle, the wasm engine's binaries and
// the trainer's kernels beside it (where the trainer finds them), and the optional WebGPU engine
// under node_modules (where the trainer looks it up at run time) with Dawn for one platform only.
//   node scripts/pack-bench.mjs [out-folder] [--platform linux-x64] [--with-node] [--with-trainer]
// then, there: node out-folder/bench-engine.js --gpu [--batch B] ...
// --with-node copies this node binary in too (out-folder/node), for machines without one;
// --with-trainer adds the trainer CLI and its packed digits (node out-folder/trainer.js engines).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const out = path.resolve(args.find((a, i) => !a.startsWith('--') && !['--platform'].includes(args[i - 1])) ?? 'bench-pack');
const platform = flag('--platform', `${process.platform}-${process.arch}`);

if (!existsSync('dist/training-kernels.wasm')) {
  console.error('dist/ is not built: run `npm run compile` first');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: ['bench/engine.ts'],
  outfile: path.join(out, 'bench-engine.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  logLevel: 'warning',
  external: ['webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
});
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.js',
  'training-kernels.wasm',
  'training-kernels-shared.wasm',
]) {
  cpSync(path.join('dist', f), path.join(out, f));
}

// The WebGPU backend as one CommonJS file (its tfjs-core copy shares the bench's engine through
// tfjs' global registry, as the trainer's does with node_modules' copy).
const backendDir = path.join(out, 'node_modules/@tensorflow/tfjs-backend-webgpu');
await esbuild.build({
  entryPoints: ['node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js'],
  outfile: path.join(backendDir, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  logLevel: 'warning',
});
writeFileSync(path.join(backendDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-backend-webgpu', main: 'index.js' }));

const webgpuDir = path.join(out, 'node_modules/webgpu');
const dawn = `node_modules/webgpu/dist/${platform}/dawn.node`;
if (!existsSync(dawn)) {
  console.error(
    `${dawn} is missing: the webgpu package ships ${platform === 'darwin-arm64' ? 'darwin-universal' : 'linux-x64, linux-arm64, darwin-universal, win32-x64, win32-arm64'}`,
  );
  process.exit(1);
}
for (const f of ['package.json', 'index.js', 'LICENSE.md']) cpSync(path.join('node_modules/webgpu', f), path.join(webgpuDir, f));
cpSync(dawn, path.join(webgpuDir, 'dist', platform, 'dawn.node'));

if (args.includes('--with-trainer')) {
  cpSync('dist/trainer.js', path.join(out, 'trainer.js'));
  cpSync('dist/mnist', path.join(out, 'mnist'), { recursive: true });
}
if (args.includes('--with-node')) cpSync(process.execPath, path.join(out, 'node'));
console.log(`packed ${out} (Dawn for ${platform})`);
