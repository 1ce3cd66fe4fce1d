// A torchvision model's modules as the Modules view and `transfer-lab modules` show them: asked of
// the user's own torchvision by running torchvision_model.py (src/trainer/torch/, built into dist/torch/) (`inspect`) with the
// Python found as for YOLOv5 runs, asynchronously (no shell), cached per interpreter, versions,
// builder, weights, class count and input (inspectCache.ts). Problems become diagnostics at the
// experiment line to change: an unknown builder at `model:`, unusable weights at `weights:`, an
// input too small at `train.imgsz`, a Python without torch at `model:` naming the interpreter.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { SettingLocation } from '../experiment/settingLocation';
import type { TorchvisionModel } from '../experiment/types';
import type { FileDiagnostic } from '../experiment/types';
import type { LayerInfo, ModelSummary, ModuleInfo } from '../model/types';
import { inspectCacheDir, inspectCacheKey, readInspectCache, writeInspectCache } from './inspectCache';
import { findTorchvisionPython, runPython, TorchPythonError } from './python';

// Built into dist/torch/ with the torch engine's other Python files (esbuild.mjs), shipped in the .vsix.
export const INSPECT_SCRIPT = 'dist/torch/torchvision_model.py';
/** Building the largest builders (vit_h_14, regnet_y_128gf) on a slow CPU takes a while. */
const INSPECT_TIMEOUT_MS = 300_000;

export interface InspectPython {
  experiment?: string;
  setting?: string;
  editor?: string;
}

export interface TorchvisionInspectOptions {
  /** Class count of the experiment's data; undefined keeps the builder's own head (1000 classes). */
  numClasses?: number;
  imgsz: number;
  /** The experiment's `python:`, and the host's transferLab.python and Python extension interpreter
   *  (a trainer process finds the last two in its environment): see ../python/pythonCandidates.ts. */
  python?: InspectPython;
  env?: NodeJS.ProcessEnv;
  /** Where the experiment sets each thing a problem can come from. */
  at: { file: string; model?: SettingLocation; weights?: SettingLocation; imgsz?: SettingLocation };
}

/** The inspection script beside this code: dist/ and out/src/shared/torchvision/ both sit below the root. */
export function inspectScriptPath(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, INSPECT_SCRIPT);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', INSPECT_SCRIPT);
}

interface InspectedModule {
  index: number;
  name: string;
  label: string;
  type: string;
  params: number;
  outShape?: number[];
  layers: LayerInfo[];
}
export interface Inspection {
  builder: string;
  torchvision: string;
  classifierIndex: number;
  numClasses: number;
  input: number[];
  totalParams: number;
  modules: InspectedModule[];
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function isLayer(v: unknown): v is LayerInfo {
  const l = v as LayerInfo;
  return (
    typeof l?.name === 'string' &&
    typeof l.type === 'string' &&
    Array.isArray(l.params) &&
    l.params.every((p) => typeof p?.name === 'string' && isNumberArray(p.shape) && typeof p.count === 'number')
  );
}

function isInspection(v: unknown): v is Inspection {
  const x = v as Inspection;
  return (
    typeof x?.builder === 'string' &&
    typeof x.classifierIndex === 'number' &&
    typeof x.totalParams === 'number' &&
    Array.isArray(x.modules) &&
    x.modules.every(
      (m) =>
        typeof m?.index === 'number' &&
        typeof m.name === 'string' &&
        typeof m.label === 'string' &&
        typeof m.type === 'string' &&
        typeof m.params === 'number' &&
        (m.outShape === undefined || isNumberArray(m.outShape)) &&
        Array.isArray(m.layers) &&
        m.layers.every(isLayer),
    )
  );
}

/** Inspections running now, by cache key: a burst of edits waits for one Python, not one each. */
const running = new Map<string, Promise<Inspection | { kind: string; message: string }>>();

export async function inspectTorchvision(
  model: TorchvisionModel,
  opts: TorchvisionInspectOptions,
): Promise<{ summary?: ModelSummary; diagnostics: FileDiagnostic[] }> {
  const diag = (where: SettingLocation | undefined, message: string): { diagnostics: FileDiagnostic[] } => {
    const loc = where ?? opts.at.model ?? { file: opts.at.file, line: 1, column: 1 };
    return { diagnostics: [{ file: loc.file, line: loc.line, column: loc.column, severity: 'error', message }] };
  };
  const label = `torchvision:${model.builder}`;
  let probe;
  try {
    probe = await findTorchvisionPython({
      experiment: opts.python?.experiment,
      setting: opts.python?.setting,
      editor: opts.python?.editor,
      env: opts.env,
    });
  } catch (e) {
    if (e instanceof TorchPythonError) return diag(opts.at.model, `${label} needs PyTorch: ${e.message}`);
    throw e;
  }
  const script = inspectScriptPath();
  const scriptText = await readFile(script, 'utf8').catch(() => undefined);
  if (scriptText === undefined)
    return diag(
      opts.at.model,
      `cannot inspect ${label}: the inspection script ${script} is missing from this installation of Transfer Lab`,
    );
  const numClasses = opts.numClasses ?? 1000;
  const input = [3, opts.imgsz, opts.imgsz];
  const dir = inspectCacheDir(opts.env);
  const key = await inspectCacheKey(probe, scriptText, model, numClasses, input);
  let result: Inspection | { kind: string; message: string };
  const cached = await readInspectCache(dir, key);
  if (isInspection(cached)) result = cached;
  else {
    let pending = running.get(key);
    if (!pending) {
      pending = runInspection(probe.command, script, model, numClasses, input)
        .then(async (r) => {
          if (isInspection(r)) await writeInspectCache(dir, key, r);
          return r;
        })
        .finally(() => running.delete(key));
      running.set(key, pending);
    }
    result = await pending;
  }
  if (!isInspection(result)) {
    const where =
      result.kind.startsWith('weights') || result.kind === 'unknown-weights'
        ? opts.at.weights
        : result.kind === 'input-size'
          ? opts.at.imgsz
          : opts.at.model;
    return diag(where, `${label}: ${result.message} (Python: ${probe.command}, torchvision ${probe.torchvision})`);
  }
  return { summary: toSummary(label, result), diagnostics: [] };
}

async function runInspection(
  python: string,
  script: string,
  model: TorchvisionModel,
  numClasses: number,
  input: number[],
): Promise<Inspection | { kind: string; message: string }> {
  const args = [script, 'inspect', '--name', model.builder, '--num-classes', String(numClasses), '--input', input.join(',')];
  if (model.weights) args.push('--weights', model.weights.kind === 'file' ? model.weights.path : model.weights.name);
  const r = await runPython(python, args, INSPECT_TIMEOUT_MS);
  let out: unknown;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    out = undefined;
  }
  if (isInspection(out)) return out;
  const err = (out as { error?: { kind?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof err?.kind === 'string' && typeof err.message === 'string') return { kind: err.kind, message: err.message };
  const tail = r.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 600);
  return { kind: 'crash', message: `the inspection failed (exit status ${r.code}): ${tail || 'no output'}` };
}

function toSummary(file: string, x: Inspection): ModelSummary {
  const modules: ModuleInfo[] = x.modules.map((m) => ({
    index: m.index,
    name: m.name,
    type: m.type,
    label: m.label,
    layers: m.layers,
    params: m.params,
    ...(m.outShape ? { outShape: m.outShape } : {}),
    section: m.index < x.classifierIndex ? 'backbone' : 'head',
  }));
  return {
    kind: 'torchvision',
    file,
    modules,
    totalParams: x.totalParams,
    backboneLength: x.classifierIndex,
    nc: x.numClasses,
    inputShape: [x.input[1], x.input[2], x.input[0]],
  };
}
