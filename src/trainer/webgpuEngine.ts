// The WebGPU engine (Dawn's Node bindings + tfjs-backend-webgpu): finding a Vulkan loader and an
// adapter, refusing software adapters unless forced (slower than wasm), and activating the backend.
import { existsSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WEBGPU_MIN_STEP_FLOPS } from './gpuChoice';
import { loadModule, ResolvedModule } from './optionalModules';
import { EngineError, EngineProbe, firstLine, installedOrReason, setBackendOrThrow } from './engineTypes';
import { findAdapter, type GpuAdapterLike, loadWebGpu } from './webgpuAdapter';

/** Private folders for the Vulkan loader's and Mesa's caches, so nothing is written to $HOME. */
function ensureGpuEnvironment(): void {
  const base = path.join(os.tmpdir(), `transfer-lab-gpu-${process.getuid?.() ?? 'user'}`);
  for (const [key, sub] of [
    ['XDG_RUNTIME_DIR', 'runtime'],
    ['MESA_SHADER_CACHE_DIR', 'mesa-cache'],
  ] as const) {
    if (process.env[key]) continue;
    const dir = path.join(base, sub);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env[key] = dir;
  }
}

/** Dawn needs the Vulkan loader on Linux; without it loading Dawn only prints warnings and finds nothing. */
function findVulkanLoader(): string | undefined {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
  ];
  return dirs.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => existsSync(f));
}

function describeAdapter(a: GpuAdapterLike): { name: string; software: boolean } {
  const info = a.info ?? {};
  const text = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
  const software = Boolean(
    a.isFallbackAdapter || info.isFallbackAdapter || info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(text),
  );
  return { name: info.description || info.device || text || 'WebGPU adapter', software };
}

export async function probeWebGpu(
  forced: boolean,
): Promise<EngineProbe & { mods?: ResolvedModule[]; adapterName?: string; software?: boolean }> {
  const name = 'webgpu';
  const found = installedOrReason(['webgpu', '@tensorflow/tfjs-backend-webgpu']);
  if ('reason' in found) return { name, available: false, reason: found.reason };
  if (process.platform === 'linux' && !findVulkanLoader()) {
    return {
      name,
      available: false,
      reason: 'libvulkan.so.1 (the Vulkan loader) is not installed: install libvulkan1 and a Vulkan GPU driver',
    };
  }
  ensureGpuEnvironment();
  const answer = await findAdapter(found.mods[0], forced);
  if ('error' in answer) {
    return {
      name,
      available: false,
      reason: `the webgpu package failed to load (${answer.error}); it needs glibc >= 2.34 and libvulkan.so.1`,
    };
  }
  const adapter = answer.adapter;
  if (!adapter) {
    return {
      name,
      available: false,
      reason:
        `no WebGPU adapter${answer.dawn ? ` (Dawn: ${answer.dawn})` : ''}: no Vulkan driver accepted by Dawn (install libvulkan1 and a GPU driver, ` +
        'or run scripts/setup-lavapipe.sh and set VK_ICD_FILENAMES for software Vulkan)',
    };
  }
  const { name: adapterName, software } = describeAdapter(adapter);
  if (software && !forced) {
    return {
      name,
      available: false,
      mods: found.mods,
      adapterName,
      software,
      reason: `only a software adapter (${adapterName}), slower than wasm; force it with --engine webgpu`,
    };
  }
  return {
    name,
    available: true,
    mods: found.mods,
    adapterName,
    software,
    from: found.mods[1].from,
    reason: software
      ? `software adapter: ${adapterName}`
      : `hardware adapter: ${adapterName} (auto trains on it when a step is ${WEBGPU_MIN_STEP_FLOPS / 1e9} GFLOP or more)`,
  };
}

export async function activateWebGpu(probe: Awaited<ReturnType<typeof probeWebGpu>>): Promise<string> {
  let gpu: object;
  try {
    gpu = await loadWebGpu(probe.mods![0]);
  } catch (err) {
    throw new EngineError(`the webgpu package failed to load (${firstLine(err)})`);
  }
  // The backend registers itself only if navigator.gpu exists when it is loaded.
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  try {
    await loadModule(probe.mods![1]);
  } catch (err) {
    throw new EngineError(`@tensorflow/tfjs-backend-webgpu failed to load (${firstLine(err)})`);
  }
  await setBackendOrThrow('webgpu', 'webgpu');
  return `${probe.adapterName} (WebGPU${probe.software ? ', software' : ''})`;
}
