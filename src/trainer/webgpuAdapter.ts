// The adapter Dawn (the `webgpu` package) offers, asked where its native messages do no harm: in
// this process when WebGPU trains or is asked for by name (`--engine webgpu`), in a child process
// while `auto` only considers it (webgpuAdapterQuery.ts: on a machine without a Vulkan driver Dawn
// complains on fd 2, which this process cannot silence).
import { loadModule, type ResolvedModule } from './optionalModules';
import { type AdapterInfo, queryAdapterQuietly } from './webgpuAdapterQuery';

export interface GpuAdapterLike {
  info?: AdapterInfo;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface WebGpuModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let webgpuInstance: GpuLike | undefined;

/** Dawn in this process, loaded once (what tfjs-backend-webgpu then finds as navigator.gpu). */
export async function loadWebGpu(mod: ResolvedModule): Promise<GpuLike> {
  if (!webgpuInstance) {
    const m = await loadModule<WebGpuModule>(mod);
    Object.assign(globalThis, m.globals);
    webgpuInstance = m.create([]);
  }
  return webgpuInstance;
}

/**
 * The adapter Dawn offers (null: none), or why it could not be asked. `forced`: asked in this
 * process, which then trains on it; otherwise in a child, and `dawn` is the first thing Dawn said.
 */
export async function findAdapter(
  mod: ResolvedModule,
  forced: boolean,
): Promise<{ adapter: GpuAdapterLike | null; dawn?: string } | { error: string }> {
  if (!forced) {
    const answer = await queryAdapterQuietly(mod.file);
    if (answer.error !== undefined) return { error: answer.error };
    const a = answer.adapter;
    return {
      adapter: a ? { info: a, isFallbackAdapter: a.isFallbackAdapter } : null,
      ...(answer.dawn.length ? { dawn: answer.dawn[0] } : {}),
    };
  }
  try {
    return { adapter: await (await loadWebGpu(mod)).requestAdapter({ powerPreference: 'high-performance' }) };
  } catch (err) {
    return { error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}
