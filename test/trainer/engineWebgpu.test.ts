// The WebGPU engine on software Vulkan (Mesa's lavapipe, installed privately by
// scripts/setup-lavapipe.sh): a few training steps with --engine webgpu give the same losses as
// wasm for the same seed. `npm test` provisions the driver first (scripts/provision.mjs); without it
// this test fails, saying how to set it up, rather than skipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeExperiment } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const lavapipeDir = process.env.TRANSFER_LAB_LAVAPIPE_DIR ?? path.join(os.homedir(), '.cache', 'transfer-lab', 'lavapipe');
const envFile = path.join(lavapipeDir, 'env.json');

function batchLosses(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('"type":"batch"'))
    .map((l) => (JSON.parse(l) as { loss: number }).loss);
}

test('webgpu on lavapipe trains with the same losses as wasm (same seed)', () => {
  assert.ok(
    existsSync(envFile),
    `software Vulkan not set up: run scripts/setup-lavapipe.sh ${lavapipeDir} (npm test does it; looked for ${envFile})`,
  );
  const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-webgpu-'));
  try {
    const exp = writeExperiment(tmp, 'gpu.experiment.yaml', {
      data: '{ source: mnist, classes: [0, 1, 2], limit: 48, valFraction: 0.02 }',
      epochs: 1,
      batch: 16,
      lr: 0.002,
    });
    const gpuEnv = {
      VK_ICD_FILENAMES: env.VK_ICD_FILENAMES,
      LD_LIBRARY_PATH: env.LD_LIBRARY_PATH,
      MESA_SHADER_CACHE_DIR: env.MESA_SHADER_CACHE_DIR,
      XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR,
      TRANSFER_LAB_ENGINE: '',
    };
    const gpu = runCli(['train', exp, '--json', '--engine', 'webgpu', '--name', 'gpu'], { env: gpuEnv, timeoutMs: 120_000 });
    assert.equal(gpu.code, 0, gpu.stderr + gpu.stdout.slice(-1500));
    const start = gpu.events.find((e) => e.type === 'start');
    assert.ok(start && start.type === 'start' && start.engine === 'webgpu', JSON.stringify(start));
    assert.match(start.device, /llvmpipe|lavapipe/i);
    assert.match(start.device, /software/);
    const cpu = runCli(['train', exp, '--json', '--engine', 'wasm', '--name', 'wasm']);
    assert.equal(cpu.code, 0, cpu.stderr);
    const a = batchLosses(gpu.stdout);
    const b = batchLosses(cpu.stdout);
    assert.equal(a.length, 3);
    assert.equal(b.length, 3);
    // Same data, same initial weights: the first loss agrees to float rounding; the updates that
    // follow differ only by summation order (XNNPACK vs shaders), so later losses stay close.
    assert.ok(Math.abs(a[0] - b[0]) < 1e-4 * Math.abs(b[0]), `first losses ${a[0]} vs ${b[0]}`);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-3 * Math.abs(b[i]), `batch ${i + 1}: webgpu ${v}, wasm ${b[i]}`));
    // auto never picks a software adapter.
    const auto = runCli(['engines', '--json'], { env: gpuEnv });
    const probes = (JSON.parse(auto.stdout) as { engines: Array<{ name: string; reason: string }> }).engines;
    assert.match(probes.find((p) => p.name === 'webgpu')!.reason, /only a software adapter .* force it with --engine webgpu/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
