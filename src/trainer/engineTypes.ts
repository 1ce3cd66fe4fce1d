// What every engine module shares: the engine names, a probe's and an active engine's shape, the
// error a user fixes, and the steps each tfjs engine's activation repeats (optional packages, backend).
// Its own file so each engine's probe can live beside engines.ts without an import cycle.
import * as tf from '@tensorflow/tfjs';
import { resolveOptional, ResolvedModule } from './optionalModules';
import { UserError } from '../shared/userError';

export const ENGINE_NAMES = ['torch', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface EngineProbe {
  name: EngineName;
  available: boolean;
  /** Why it is unavailable, or what it runs on. */
  reason: string;
  /** Where the optional package was found (workspace or extension). */
  from?: string;
}

export interface ActiveEngine {
  name: EngineName;
  /** tfjs backend name: tensorflow, webgpu, wasm, cpu. */
  backend: string;
  device: string;
  /** Every engine considered, in order, with why it was or was not used. */
  probes: EngineProbe[];
  /** Training kernels this process added to the backend. */
  addedKernels: string[];
  /** Whether tensors live off the JS heap so reads must be async (`await data()`). */
  asyncReadsOnly: boolean;
  /** Runs on a hardware GPU (device use is then sampled with nvidia-smi where present). */
  gpu: boolean;
  /** The torch engine: the Python that runs its worker and the torch device (cuda, mps, cpu). */
  torch?: { python: string; device: string };
}

export class EngineError extends UserError {
  constructor(
    message: string,
    readonly probes: EngineProbe[] = [],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(name);
}

export function installedOrReason(names: string[]): { mods: ResolvedModule[] } | { reason: string } {
  const mods: ResolvedModule[] = [];
  for (const n of names) {
    const m = resolveOptional(n);
    if (!m) return { reason: `${n} is not installed in the workspace or the extension (npm install ${n})` };
    mods.push(m);
  }
  return { mods };
}

export async function setBackendOrThrow(backend: string, engine: EngineName): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
  } catch (err) {
    throw new EngineError(`engine '${engine}' failed to initialise: ${firstLine(err)}`);
  }
  // With no adapter setBackend returns false while getBackend() may still name it: trust the return.
  if (!ok) throw new EngineError(`engine '${engine}' failed to initialise (tf.setBackend('${backend}') returned false)`);
  await tf.ready();
}

export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
