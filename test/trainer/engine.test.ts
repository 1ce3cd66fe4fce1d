// Engine selection through the CLI: the best installed engine is chosen (wasm on a machine without
// native TensorFlow or a hardware GPU), a forced engine that is missing fails with the reason, and
// the environment variable forces one too.
import { test } from 'node:test';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { ENGINE_NAMES } from '../../src/trainer/engines';
import { resolveOptional } from '../../src/trainer/optionalModules';
import { runCli } from '../support/trainerCli';

interface EnginesJson {
  chosen?: { name: string; device: string };
  error?: string;
  engines: Array<{ name: string; available: boolean; reason: string }>;
}

function engines(args: string[] = [], env: NodeJS.ProcessEnv = {}): { code: number | null; json: EnginesJson } {
  const r = runCli(['engines', '--json', ...args], { env: { TRANSFER_LAB_ENGINE: '', VK_ICD_FILENAMES: '', ...env } });
  return { code: r.code, json: JSON.parse(r.stdout) as EnginesJson };
}

test('auto: the first available engine in preference order is chosen, and every better one says why not', () => {
  const { code, json } = engines();
  assert.equal(code, 0);
  const chosen = json.chosen!.name;
  const i = ENGINE_NAMES.indexOf(chosen as (typeof ENGINE_NAMES)[number]);
  assert.deepEqual(
    json.engines.map((e) => e.name),
    [...ENGINE_NAMES],
  );
  for (const e of json.engines.slice(0, i)) {
    assert.equal(e.available, false, `${e.name} was available but not chosen`);
    assert.ok(e.reason.length > 10);
  }
  if (chosen !== 'torch' && !resolveOptional('@tensorflow/tfjs-node') && !resolveOptional('@tensorflow/tfjs-node-gpu')) {
    assert.equal(chosen, 'wasm', 'without PyTorch, native TensorFlow or a hardware GPU, auto picks wasm');
    assert.match(json.engines[1].reason, /tfjs-node-gpu is not installed .* CUDA/);
  }
});

test(
  'without PyTorch the tfjs chain is unchanged, and the torch line says why',
  { skip: resolveOptional('@tensorflow/tfjs-node') ? 'tfjs-node is installed here' : false },
  () => {
    const { json } = engines([], { TRANSFER_LAB_TORCH_PYTHON: path.join(os.tmpdir(), 'no-such-python') });
    assert.equal(json.chosen?.name, 'wasm');
    assert.equal(json.engines[0].name, 'torch');
    assert.equal(json.engines[0].available, false);
    assert.match(json.engines[0].reason, /no-such-python \(transferLab\.python\) did not run: .*install PyTorch >= 1\.13/);
  },
);

test(
  'forcing a missing engine fails with the reason; env var and --engine force one',
  { skip: resolveOptional('@tensorflow/tfjs-node') ? 'tfjs-node is installed here' : false },
  () => {
    const r = runCli(['train', 'nothing.yaml', '--engine', 'tfjs-node']);
    assert.notEqual(r.code, 0);
    const missing = engines(['--engine', 'tfjs-node']);
    assert.equal(missing.code, 1);
    assert.match(
      missing.json.error!,
      /engine 'tfjs-node' is not available: @tensorflow\/tfjs-node is not installed in the workspace or the extension \(npm install @tensorflow\/tfjs-node\)/,
    );

    const cpu = engines([], { TRANSFER_LAB_ENGINE: 'cpu' });
    assert.equal(cpu.json.chosen?.name, 'cpu');
    assert.match(cpu.json.chosen!.device, /JavaScript/);
    const wasm = engines(['--engine', 'wasm']);
    assert.equal(wasm.json.chosen?.name, 'wasm');
    const bogus = engines([], { TRANSFER_LAB_ENGINE: 'cuda' });
    assert.equal(bogus.code, 1);
    assert.match(
      bogus.json.error!,
      /unknown engine 'cuda' \(TRANSFER_LAB_ENGINE\); choose one of: torch, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu, auto/,
    );
  },
);
