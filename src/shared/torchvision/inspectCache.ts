// The inspection cache: one JSON file per (interpreter, torch and torchvision versions, inspection
// script, builder, weights, class count, input shape), so the Modules view and `transfer-lab
// modules` start a Python (2–5 s to import torch and build a model) once per model, not at every
// edit of the experiment. It lives in the user's cache folder ($XDG_CACHE_HOME or ~/.cache,
// /transfer-lab/torchvision; TRANSFER_LAB_CACHE_DIR overrides the parent folder), not in a
// workspace: the answer depends on the Python installation, never on the workspace, both the host
// and the trainer CLI reach it (the CLI has no globalStorage), and runs/ stays the runs' own folder.
// Files are written to a temporary name and renamed, so a reader never sees half a file.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TorchvisionModel } from '../experiment/types';
import type { TorchPythonProbe } from './python';

export function inspectCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.TRANSFER_LAB_CACHE_DIR?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'transfer-lab');
  return path.join(base, 'torchvision');
}

/** The cache key; a local state dict counts by path, size and modification time. */
export async function inspectCacheKey(
  probe: TorchPythonProbe,
  scriptText: string,
  model: TorchvisionModel,
  numClasses: number,
  input: number[],
): Promise<string> {
  let weights: unknown = null;
  if (model.weights?.kind === 'torchvision') weights = model.weights.name;
  else if (model.weights?.kind === 'file') {
    const st = await stat(model.weights.path).catch(() => undefined);
    weights = { path: model.weights.path, size: st?.size ?? null, mtimeMs: st?.mtimeMs ?? null };
  }
  const parts = {
    v: 1,
    executable: probe.executable,
    command: probe.command,
    python: probe.python,
    torch: probe.torch,
    torchvision: probe.torchvision,
    script: createHash('sha256').update(scriptText).digest('hex'),
    builder: model.builder,
    weights,
    numClasses,
    input,
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export async function readInspectCache(dir: string, key: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path.join(dir, `${key}.json`), 'utf8'));
  } catch {
    return undefined; // absent or unreadable: inspect again
  }
}

/** Best effort: a cache that cannot be written only costs the next inspection its time. */
export async function writeInspectCache(dir: string, key: string, value: unknown): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${key}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path.join(dir, `${key}.json`));
  } catch {
    // read-only home, full disk: nothing to keep
  }
}
