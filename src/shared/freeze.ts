// The freeze rules, one implementation for the trainer, the Modules view and the CLI.
// YOLOv5 `train.py --freeze`: N freezes every parameter under `model.0.` … `model.(N-1).`; a list
// freezes exactly the listed modules. The trailing dot keeps `model.1.` from matching `model.10.`.
// Beyond YOLOv5, list entries may be names (`model.3.bn`) that freeze everything under `name.`.
// Note: a one-element list [5] freezes module 5 only (YOLOv5's CLI reads `--freeze 5` as 0–4; here
// that is the number 5).
import { findFreezeRange } from './experiment/freezeEdit';
import type { FileDiagnostic, FreezeSpec } from './experiment/types';
import type { LayerInfo, ModelSummary, ModuleInfo } from './model/types';

export type FrozenState = 'frozen' | 'partial' | 'trainable';

export interface ModuleFreezeState {
  index: number;
  name: string;
  /** Layers with parameters whose parameters are all frozen. */
  frozenLayers: number;
  /** Layers with parameters. */
  totalLayers: number;
  frozenParams: number;
  params: number;
  /** Modules without parameters are 'frozen' when the spec covers their prefix, else 'trainable'. */
  state: FrozenState;
}

export interface FreezeSummary {
  modules: ModuleFreezeState[];
  trainableParams: number;
  frozenParams: number;
  totalParams: number;
}

/** Parameter-name prefixes a spec freezes, each ending in '.'. */
export function freezePrefixes(spec: FreezeSpec): string[] {
  if (typeof spec === 'number') return Array.from({ length: Math.max(0, Math.floor(spec)) }, (_, i) => `model.${i}.`);
  return spec.map((x) => (typeof x === 'number' ? `model.${x}.` : x.endsWith('.') ? x : `${x}.`));
}

export function isParamFrozen(paramName: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (paramName.startsWith(p)) return true;
  return false;
}

/** A layer is frozen when it has parameters and all of them are frozen. */
export function isLayerFrozen(layer: LayerInfo, prefixes: readonly string[]): boolean {
  return layer.params.length > 0 && layer.params.every((p) => isParamFrozen(p.name, prefixes));
}

export function frozenState(model: ModelSummary, spec: FreezeSpec): FreezeSummary {
  const prefixes = freezePrefixes(spec);
  let frozenTotal = 0;
  const modules = model.modules.map((m): ModuleFreezeState => {
    let frozenLayers = 0,
      totalLayers = 0,
      frozenParams = 0;
    for (const l of m.layers) {
      if (!l.params.length) continue;
      totalLayers++;
      let all = true;
      for (const p of l.params) {
        if (isParamFrozen(p.name, prefixes)) frozenParams += p.count;
        else all = false;
      }
      if (all) frozenLayers++;
    }
    frozenTotal += frozenParams;
    let state: FrozenState;
    if (totalLayers === 0) state = isParamFrozen(`${m.name}.`, prefixes) ? 'frozen' : 'trainable';
    else if (frozenParams === 0) state = 'trainable';
    else if (frozenParams === m.params) state = 'frozen';
    else state = 'partial';
    return { index: m.index, name: m.name, frozenLayers, totalLayers, frozenParams, params: m.params, state };
  });
  return { modules, frozenParams: frozenTotal, trainableParams: model.totalParams - frozenTotal, totalParams: model.totalParams };
}

/** Names of the layers (with parameters) a spec freezes entirely. */
export function frozenLayerNames(model: ModelSummary, spec: FreezeSpec): Set<string> {
  const prefixes = freezePrefixes(spec);
  const out = new Set<string>();
  for (const m of model.modules) for (const l of m.layers) if (isLayerFrozen(l, prefixes)) out.add(l.name);
  return out;
}

/**
 * The shortest spec that freezes exactly the given layers: N when they are the layers of modules
 * 0…N-1 (0 when none), else the sorted indices of whole modules followed by the names of frozen
 * layers in partly frozen modules. Layers without parameters and unknown names are ignored.
 */
export function canonicalFreeze(model: ModelSummary, frozenLayerNamesSet: ReadonlySet<string>): FreezeSpec {
  const whole: number[] = [];
  const partial: string[] = [];
  for (const m of model.modules) {
    const layers = m.layers.filter((l) => l.params.length > 0);
    if (!layers.length) continue;
    const frozen = layers.filter((l) => frozenLayerNamesSet.has(l.name));
    if (frozen.length === layers.length) whole.push(m.index);
    else if (frozen.length) partial.push(...frozen.map((l) => l.name));
  }
  if (!whole.length && !partial.length) return 0;
  if (!partial.length) {
    // N = one past the last frozen module, when every module with parameters before it is frozen.
    const n = whole[whole.length - 1] + 1;
    const wholeSet = new Set(whole);
    if (model.modules.slice(0, n).every((m) => m.params === 0 || wholeSet.has(m.index))) return n;
  }
  return [...whole, ...partial];
}

export interface FreezeLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Problems with a spec for this model: indices out of range, names that match no parameter.
 * Diagnostics point at `at`, or, given the experiment's text and path, at its `freeze:` line.
 */
export function validateFreeze(model: ModelSummary, spec: FreezeSpec, at?: FreezeLocation): FileDiagnostic[];
export function validateFreeze(model: ModelSummary, spec: FreezeSpec, experimentText: string, experimentFile: string): FileDiagnostic[];
export function validateFreeze(
  model: ModelSummary,
  spec: FreezeSpec,
  at?: FreezeLocation | string,
  experimentFile?: string,
): FileDiagnostic[] {
  const loc = typeof at === 'string' ? freezeLineOf(at, experimentFile ?? model.file) : (at ?? { file: model.file, line: 1, column: 1 });
  const out: FileDiagnostic[] = [];
  const n = model.modules.length;
  const range = `model.0–model.${n - 1}`;
  const report = (message: string, severity: 'error' | 'warning' = 'error') => out.push({ ...loc, severity, message });
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0) report(`freeze ${spec} must be a whole number ≥ 0`);
    else if (spec > n)
      report(
        `freeze ${spec} is more than the ${n} modules of ${baseName(model.file)} (${range}); use 0–${n} (${n - 1} keeps only the last module trainable)`,
      );
    return out;
  }
  const seen = new Set<string>();
  for (const x of spec) {
    const key = String(x);
    if (seen.has(key)) report(`freeze lists ${typeof x === 'number' ? x : `'${x}'`} twice`, 'warning');
    seen.add(key);
    if (typeof x === 'number') {
      if (!Number.isInteger(x) || x < 0 || x >= n)
        report(`freeze index ${x} is not a module of ${baseName(model.file)}: indices go from 0 to ${n - 1}`);
      continue;
    }
    const prefix = x.endsWith('.') ? x : `${x}.`;
    if (matchesAnyParam(model, prefix)) continue;
    if (model.modules.some((m) => `${m.name}.` === prefix || m.layers.some((l) => `${l.name}.` === prefix))) {
      report(`'${x}' has no parameters, so freezing it changes nothing`, 'warning');
      continue;
    }
    const hint = suggestLayer(model, x);
    report(
      `'${x}' matches no parameter of ${baseName(model.file)}${hint ? `; did you mean '${hint}'?` : '; names look like model.3 or model.3.bn'}`,
    );
  }
  return out;
}

/** Where the experiment's `freeze:` key is (line 1 when absent or unparsable). */
export function freezeLineOf(experimentText: string, file: string): FreezeLocation {
  try {
    const range = findFreezeRange(experimentText);
    if (range) return { file, line: range.line, column: range.column };
  } catch {
    // broken YAML is reported by the experiment parser itself
  }
  return { file, line: 1, column: 1 };
}

function matchesAnyParam(model: ModelSummary, prefix: string): boolean {
  for (const m of model.modules) for (const l of m.layers) for (const p of l.params) if (p.name.startsWith(prefix)) return true;
  return false;
}

/** A layer whose name ends with what the user wrote (`block_3_expand` → `model.5.block_3_expand`). */
function suggestLayer(model: ModelSummary, name: string): string | undefined {
  for (const m of model.modules) {
    for (const l of m.layers)
      if (l.params.length && (l.name.endsWith(`.${name}`) || l.name.endsWith(`.${name.replace(/^model\.\d+\./, '')}`))) return l.name;
  }
  return undefined;
}

function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** "Freeze Backbone": the YAML's backbone modules, or all but the last module of a tfjs model. */
export function freezeBackboneSpec(model: ModelSummary): FreezeSpec {
  return model.backboneLength ?? Math.max(0, model.modules.length - 1);
}

/** "Freeze All but Head": every module except the last. */
export function freezeAllButHeadSpec(model: ModelSummary): FreezeSpec {
  return Math.max(0, model.modules.length - 1);
}

/** "Unfreeze All". */
export function unfreezeAllSpec(): FreezeSpec {
  return 0;
}

/** Module-level toggle used by checkboxes: returns the canonical spec after (un)freezing a module
 *  or a single layer, starting from the current spec. */
export function toggleFreeze(model: ModelSummary, spec: FreezeSpec, target: ModuleInfo | LayerInfo, freeze: boolean): FreezeSpec {
  const names = frozenLayerNames(model, spec);
  const layers = 'layers' in target ? target.layers : [target];
  for (const l of layers) {
    if (!l.params.length) continue;
    if (freeze) names.add(l.name);
    else names.delete(l.name);
  }
  return canonicalFreeze(model, names);
}
