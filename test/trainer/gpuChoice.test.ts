// `auto` trains on a hardware WebGPU adapter only when a step is big enough for the GPU to beat
// the CPU engines (src/trainer/gpuChoice.ts; measured with bench/engine on an H100).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WEBGPU_MIN_STEP_FLOPS, webgpuWorthIt } from '../../src/trainer/gpuChoice';
import { activateEngine } from '../../src/trainer/engines';

test('small steps stay on the CPU engine and say how to force the GPU', () => {
  const c = webgpuWorthIt(626e6); // the reference CNN at batch 32: 44 ms on wasm, 63 ms on WebGPU
  assert.equal(c.use, false);
  assert.match(c.reason, /a step is 0\.63 GFLOP, below the 1\.2 GFLOP/);
  assert.match(webgpuWorthIt(0.74e9).reason, /0\.74 GFLOP/); // the digits model at batch 64: wasm 447 img/s, WebGPU 286
  assert.match(webgpuWorthIt(2.4e6).reason, /a step is 2\.4 MFLOP/); // a cached head
  assert.match(c.reason, /--engine webgpu/);
  assert.equal(webgpuWorthIt(WEBGPU_MIN_STEP_FLOPS - 1).use, false);
});

test('big steps, and steps whose cost is unknown, use the GPU', () => {
  assert.deepEqual(webgpuWorthIt(5.0e9), { use: true, reason: 'a step is 5.0 GFLOP' }); // batch 256: 141 vs 277 ms
  assert.equal(webgpuWorthIt(1.5e9).use, true); // the digits model at batch 128: WebGPU 727 img/s, wasm 599
  assert.equal(webgpuWorthIt(WEBGPU_MIN_STEP_FLOPS).use, true);
  assert.match(webgpuWorthIt(undefined).reason, /could not be predicted/);
  assert.equal(webgpuWorthIt(undefined).use, true);
});

test('the step cost is not computed when no hardware GPU is found', async () => {
  let asked = 0;
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = ''; // no software Vulkan either
  try {
    const e = await activateEngine(undefined, {
      stepFlops: async () => {
        asked++;
        return 1e12;
      },
    });
    assert.notEqual(e.name, 'webgpu');
    assert.equal(asked, 0);
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
});
