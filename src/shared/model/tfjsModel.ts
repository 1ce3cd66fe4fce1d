// TensorFlow.js layers `model.json` → ModelSummary, reading the JSON only (no TensorFlow.js):
// layers from modelTopology (Sequential or functional Model, as written by tfjs `model.save` or by
// the tfjs converter), parameter shapes from weightsManifest (`<layer>/<weight>` names). Layers
// that share a Keras block prefix (`block_3_expand`, `block_3_depthwise` → `block_3`; `conv1`,
// `conv1_bn` → `conv1`) form one module; otherwise each layer is a module. BatchNorm moving
// statistics are not parameters (as in the YOLOv5 summary) and are left out.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { FileDiagnostic } from '../experiment/types';
import { computeLineStarts, offsetToPosition } from '../experiment/yamlPositions';
import { jsonErrorOffset } from './jsonErrorOffset';
import { explainFileError } from '../system/fileErrors';
import { isMissing } from '../system/missingFile';
import type { LayerInfo, ModelSummary, ModuleInfo, ParamInfo } from './types';

type Obj = Record<string, unknown>;

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export interface RawLayer {
  name: string;
  className: string;
  config: Obj;
}

/** Weights that are state, not trained parameters. */
const NON_PARAMS = new Set(['moving_mean', 'moving_variance']);
const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseTfjsModel(
  text: string,
  file: string,
): { summary?: ModelSummary; manifest?: TfjsWeightGroup[]; diagnostics: FileDiagnostic[] } {
  const diagnostics: FileDiagnostic[] = [];
  const lineStarts = computeLineStarts(text);
  const err = (offset: number, message: string, severity: 'error' | 'warning' = 'error') =>
    diagnostics.push({ file, ...offsetToPosition(lineStarts, Math.max(0, offset)), severity, message });

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    diagnostics.push({
      file,
      ...jsonErrorPosition(text, lineStarts),
      severity: 'error',
      message: `model.json is not valid JSON (${(e as Error).message.split('\n')[0]}); re-export the model`,
    });
    return { diagnostics };
  }
  if (!isObj(json)) {
    err(0, 'model.json must be a JSON object with modelTopology and weightsManifest');
    return { diagnostics };
  }
  if (json.format === 'graph-model') {
    err(
      text.indexOf('"format"'),
      'this is a TensorFlow.js graph model (from a SavedModel); it has no layers to freeze. Convert the Keras model with `--output_format tfjs_layers_model`',
    );
    return { diagnostics };
  }
  let topology: unknown = json.modelTopology ?? (json.class_name ? json : undefined);
  if (isObj(topology) && isObj(topology.model_config)) topology = topology.model_config; // converter output
  if (!isObj(topology)) {
    err(
      0,
      'model.json has no modelTopology: it is not a TensorFlow.js layers model (save it with model.save or convert it as tfjs_layers_model)',
    );
    return { diagnostics };
  }
  const layers: RawLayer[] = [];
  const problem = collectLayers(topology, layers);
  if (problem) {
    err(text.indexOf('"modelTopology"'), problem);
    return { diagnostics };
  }

  // Locate every "name": "…" once, for line numbers (a search per layer would be quadratic).
  const nameOffsets = new Map<string, number>();
  for (const m of text.matchAll(/"name"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
    if (!nameOffsets.has(m[1])) nameOffsets.set(m[1], m.index);
  }

  const manifest: TfjsWeightGroup[] = [];
  const rawManifest = json.weightsManifest;
  if (rawManifest !== undefined) {
    if (!Array.isArray(rawManifest) || !rawManifest.every((g) => isObj(g) && Array.isArray(g.paths) && Array.isArray(g.weights))) {
      err(text.indexOf('"weightsManifest"'), 'weightsManifest must be a list of {paths, weights} groups; re-export the model');
      return { diagnostics };
    }
    for (const g of rawManifest as Obj[]) {
      const weights: TfjsWeightSpec[] = [];
      for (const w of g.weights as unknown[]) {
        if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
          err(text.indexOf('"weights"'), `weightsManifest has an entry without a name and a shape: ${JSON.stringify(w).slice(0, 80)}`);
          return { diagnostics };
        }
        const spec: TfjsWeightSpec = { name: w.name, shape: w.shape as number[], dtype: typeof w.dtype === 'string' ? w.dtype : 'float32' };
        if (isObj(w.quantization) && typeof w.quantization.dtype === 'string') spec.quantization = { dtype: w.quantization.dtype };
        weights.push(spec);
      }
      manifest.push({ paths: (g.paths as unknown[]).map(String), weights });
    }
  } else {
    err(0, 'model.json has no weightsManifest; parameter counts are unknown (save the model with its weights)', 'warning');
  }

  // Parameters per layer: the weight belongs to the last path component that names a layer.
  const layerNames = new Set(layers.map((l) => l.name));
  const paramsOf = new Map<string, ParamInfo[]>(layers.map((l) => [l.name, []]));
  for (const g of manifest) {
    for (const w of g.weights) {
      const comps = w.name.replace(/:\d+$/, '').split('/');
      let k = comps.length - 2;
      while (k >= 0 && !layerNames.has(comps[k])) k--;
      if (k < 0) {
        err(text.indexOf(`"${w.name}"`), `weight '${w.name}' matches no layer in modelTopology and is ignored`, 'warning');
        continue;
      }
      const suffix = comps.slice(k + 1).join('.');
      if (NON_PARAMS.has(suffix)) continue;
      paramsOf.get(comps[k])!.push({ name: suffix, shape: w.shape, count: w.shape.reduce((a, b) => a * b, 1) });
    }
  }

  const modules: ModuleInfo[] = [];
  for (const group of groupLayers(layers)) {
    const index = modules.length;
    const prefix = `model.${index}`;
    const infos: LayerInfo[] = group.layers.map((l) => ({
      name: `${prefix}.${l.name}`,
      type: l.className,
      params: paramsOf.get(l.name)!.map((p) => ({ ...p, name: `${prefix}.${l.name}.${p.name}` })),
    }));
    const mod: ModuleInfo = {
      index,
      name: prefix,
      type: group.layers.length === 1 ? group.layers[0].className : 'Block',
      label: group.label,
      layers: infos,
      params: infos.reduce((a, l) => a + l.params.reduce((b, p) => b + p.count, 0), 0),
    };
    const off = nameOffsets.get(group.layers[0].name);
    if (off !== undefined) mod.line = offsetToPosition(lineStarts, off).line;
    modules.push(mod);
  }
  if (!modules.length) {
    err(text.indexOf('"modelTopology"'), 'modelTopology has no layers');
    return { diagnostics };
  }

  const summary: ModelSummary = {
    kind: 'tfjs',
    file,
    modules,
    totalParams: modules.reduce((a, m) => a + m.params, 0),
  };
  const inputShape = findInputShape(layers);
  if (inputShape) summary.inputShape = inputShape;
  const last = layers[layers.length - 1];
  if (last.className === 'Dense' && Number.isInteger(last.config.units)) summary.nc = last.config.units as number;
  return { summary, manifest, diagnostics };
}

/** Flattens the topology's layers (nested Sequential/Model layers included), skipping InputLayer. */
function collectLayers(topology: Obj, out: RawLayer[]): string | undefined {
  const cls = topology.class_name;
  if (typeof cls !== 'string' || !MODEL_CLASSES.has(cls)) {
    return `modelTopology.class_name must be Sequential, Model or Functional, got ${JSON.stringify(cls)}`;
  }
  const config = topology.config;
  // tfjs < 1.0 wrote a Sequential's config as the bare layer list.
  const list = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
  if (!Array.isArray(list)) return 'modelTopology.config has no layers list';
  for (const raw of list) {
    if (!isObj(raw) || typeof raw.class_name !== 'string') return 'a layer in modelTopology has no class_name';
    const cfg = isObj(raw.config) ? raw.config : {};
    const name = typeof cfg.name === 'string' ? cfg.name : typeof raw.name === 'string' ? raw.name : undefined;
    if (!name) return `a ${raw.class_name} layer in modelTopology has no name`;
    if (MODEL_CLASSES.has(raw.class_name) && (Array.isArray(cfg.layers) || Array.isArray(raw.config))) {
      const problem = collectLayers(raw, out);
      if (problem) return problem;
      continue;
    }
    if (raw.class_name === 'InputLayer') {
      out.push({ name, className: 'InputLayer', config: cfg });
      continue;
    }
    out.push({ name, className: raw.class_name, config: cfg });
  }
  return undefined;
}

function findInputShape(layers: RawLayer[]): number[] | undefined {
  for (const l of layers) {
    const s = l.config.batch_input_shape ?? l.config.batchInputShape ?? l.config.batch_shape;
    if (Array.isArray(s) && s.length > 1 && s.slice(1).every((d) => Number.isInteger(d))) return s.slice(1) as number[];
  }
  return undefined;
}

/**
 * The block a layer name belongs to: its underscore-prefix up to the first part containing a
 * digit (`block_3_expand_BN` → `block_3`, `conv1_bn` → `conv1`, `block1a_dwconv` → `block1a`).
 * Counters (`conv2d_1`) and tfjs auto names (`conv2d_Conv2D1`) are not blocks: they keep the name.
 */
export function blockKey(name: string, className: string): string {
  const parts = name.split('_');
  const k = parts.findIndex((p) => /\d/.test(p));
  if (k < 0 || k === parts.length - 1) return name;
  const rest = parts.slice(k + 1).join('_');
  if (/^\d+$/.test(rest)) return name;
  if (rest.startsWith(className) && /^\d*$/.test(rest.slice(className.length))) return name;
  return parts.slice(0, k + 1).join('_');
}

/** Runs of consecutive layers with the same block key; InputLayer is not a module. */
export function groupLayers(layers: RawLayer[]): Array<{ label: string; layers: RawLayer[] }> {
  const groups: Array<{ key: string; label: string; layers: RawLayer[] }> = [];
  for (const l of layers) {
    if (l.className === 'InputLayer') continue;
    const key = blockKey(l.name, l.className);
    const last = groups[groups.length - 1];
    if (last && last.key === key) {
      last.layers.push(l);
      last.label = key;
    } else {
      groups.push({ key, label: l.name, layers: [l] });
    }
  }
  return groups;
}

/** Where JSON.parse failed (Node 20's messages often carry no position). */
function jsonErrorPosition(text: string, lineStarts: number[]): { line: number; column: number } {
  return offsetToPosition(lineStarts, jsonErrorOffset(text) ?? 0);
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/**
 * Checks that every weights shard named in the manifest exists next to model.json and that each
 * group's shards together hold exactly the bytes its weights need (a truncated copy or a shard
 * from another model fails here, before a training run).
 */
export async function verifyWeightFiles(file: string, text: string, manifest: TfjsWeightGroup[]): Promise<FileDiagnostic[]> {
  const diagnostics: FileDiagnostic[] = [];
  const lineStarts = computeLineStarts(text);
  const dir = path.dirname(file);
  for (let gi = 0; gi < manifest.length; gi++) {
    const g = manifest[gi];
    let expected = 0;
    let sized = true;
    for (const w of g.weights) {
      const bytes = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
      if (bytes === undefined) sized = false;
      else expected += bytes * w.shape.reduce((a, b) => a * b, 1);
    }
    let actual = 0;
    let missing = false;
    for (const p of g.paths) {
      const at = offsetToPosition(lineStarts, Math.max(0, text.indexOf(JSON.stringify(p))));
      try {
        const st = await stat(path.resolve(dir, p));
        actual += st.size;
      } catch (e) {
        // Absent is the usual case (a model.json copied without its shards); anything else (a
        // symlink loop, permissions) is named as it is, so the fix is not "copy it back".
        missing = true;
        const why = isMissing(e) ? undefined : (explainFileError(e) ?? (e instanceof Error ? e.message : String(e)));
        diagnostics.push({
          file,
          ...at,
          severity: 'error',
          message: why
            ? `weights file '${p}' next to ${path.basename(file)} cannot be read: ${why}`
            : `weights file '${p}' is missing next to ${path.basename(file)}; copy it back or re-export the model`,
        });
      }
    }
    if (!missing && sized && actual !== expected) {
      const at = offsetToPosition(lineStarts, Math.max(0, text.indexOf(JSON.stringify(g.paths[0] ?? ''))));
      diagnostics.push({
        file,
        ...at,
        severity: 'error',
        message: `weights group ${gi + 1} (${g.paths.join(', ')}) holds ${actual} bytes but its ${g.weights.length} weights need ${expected}: the file is truncated or belongs to another model; re-export the model`,
      });
    }
  }
  return diagnostics;
}
