// Parses and validates an experiment file. Every problem becomes a FileDiagnostic at the line of
// the offending key or value, with a message that says what to write instead.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { closest, show } from './describeValue';
import type { DataSpec, Experiment, FileDiagnostic, FreezeSpec, TrainSettings } from './types';
import { parseYamlDocument, positionOf } from './yamlPositions';
import type { YamlDocument, YamlPath } from './yamlPositions';
import { UserError } from '../userError';
import type { ExperimentSection } from './sectionTypes';
import { EXPERIMENT_SECTIONS } from './sections';
import { isTorchvisionRef, readTorchvisionSettings, torchvisionWeightsMisuse } from './torchvisionSpec';

export { findFreezeRange, rewriteFreeze } from './freezeEdit';

export const TRAIN_DEFAULTS: Omit<TrainSettings, 'imgsz'> = { epochs: 10, batch: 32, optimizer: 'adam', lr: 0.001, seed: 0 };
/** MNIST digits are 28×28; folder images are resized to 32×32 unless `train.imgsz` says otherwise;
 *  an external trainer's images (YOLOv5) are shown at its default 640. */
export const DEFAULT_IMGSZ = { mnist: 28, folder: 32, external: 640 } as const;

const CORE_KEYS = ['name', 'model', 'weights', 'pretrain', 'python', 'data', 'train', 'freeze'] as const;
const TRAIN_KEYS = ['epochs', 'batch', 'optimizer', 'lr', 'seed', 'imgsz'];
const MNIST_KEYS = ['source', 'classes', 'limit', 'valFraction'];
const FOLDER_KEYS = ['source', 'path', 'strict'];

export interface ParseExperimentOptions {
  /** Sections known in addition to the fixed list (EXPERIMENT_SECTIONS). */
  sections?: ExperimentSection[];
}

/** Thrown by loadExperiment; the message names file:line:column and the fix for each error. */
export class ExperimentError extends UserError {
  constructor(readonly file: string, readonly diagnostics: FileDiagnostic[]) {
    super(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
    this.name = 'ExperimentError';
  }
}

export function formatDiagnostic(d: FileDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

export function formatDiagnostics(diags: FileDiagnostic[]): string {
  return diags.map(formatDiagnostic).join('\n');
}

export async function loadExperiment(file: string, options?: ParseExperimentOptions): Promise<Experiment> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (e as Error).message;
    throw new ExperimentError(abs, [{
      file: abs, line: 1, column: 1, severity: 'error',
      message: `cannot read the experiment file: ${reason}. Check the path, or create one with the "New Experiment" command.`,
    }]);
  }
  const { experiment, diagnostics } = parseExperiment(text, abs, options);
  if (!experiment) throw new ExperimentError(abs, diagnostics);
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length) experiment.warnings = warnings;
  return experiment;
}

/** Parses an experiment's text; `experiment` is set when there is no error (warnings allowed). */
export function parseExperiment(
  text: string,
  file: string,
  options?: ParseExperimentOptions,
): { experiment?: Experiment; diagnostics: FileDiagnostic[] } {
  const abs = path.resolve(file);
  const parsed = parseYamlDocument(text, abs);
  if (!parsed.doc) return { diagnostics: [parsed.error!] };
  const v = new Validator(parsed.doc, abs);
  const experiment = v.experiment(options?.sections ?? []);
  const diagnostics = v.diagnostics;
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { experiment: failed ? undefined : experiment, diagnostics };
}

type Obj = Record<string, unknown>;

const NESTED_KEYS: ReadonlyArray<[section: string, keys: readonly string[]]> = [
  ['train', TRAIN_KEYS], ['data', [...MNIST_KEYS, ...FOLDER_KEYS]],
];

/** `; did you mean 'freeze'?` for a misspelt top-level key, or `train.optimizer` for a setting
 *  written at the top level that belongs in a section (`optimiser: sgd`). */
function didYouMean(key: string, known: readonly string[]): string {
  const top = closest(key, known);
  if (top) return `; did you mean '${top}'?`;
  for (const [section, keys] of NESTED_KEYS) {
    const inner = closest(key, keys);
    if (inner) return `; did you mean '${inner}' under '${section}:'?`;
  }
  return '';
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Validator {
  readonly diagnostics: FileDiagnostic[] = [];
  private readonly dir: string;

  constructor(private readonly doc: YamlDocument, private readonly file: string) {
    this.dir = path.dirname(file);
  }

  private report(severity: 'error' | 'warning', p: YamlPath, message: string, part: 'key' | 'value' = 'value', code?: FileDiagnostic['code']): void {
    this.diagnostics.push({ file: this.file, ...positionOf(this.doc, p, part), severity, message, ...(code ? { code } : {}) });
  }

  error(p: YamlPath, message: string, part: 'key' | 'value' = 'value'): void {
    this.report('error', p, message, part);
  }

  warning(p: YamlPath, message: string, part: 'key' | 'value' = 'value'): void {
    this.report('warning', p, message, part);
  }

  experiment(extraSections: ExperimentSection[]): Experiment | undefined {
    const root = this.doc.value;
    if (root === undefined || root === null) {
      this.error([], 'the experiment file is empty: add at least `model: model.yaml` and a `data:` section (the "New Experiment" command writes a commented example)');
      return undefined;
    }
    if (!isObject(root)) {
      this.error([], `an experiment file must be a mapping of keys (model:, data:, train:, freeze:…), not ${show(root)}`);
      return undefined;
    }
    const sections = new Map(EXPERIMENT_SECTIONS.map((s) => [s.key, s]));
    for (const s of extraSections) sections.set(s.key, s);

    const name = this.optionalString(root, ['name']);
    // `model: torchvision:<builder>` names a model and weights torchvision builds (torchvisionSpec.ts).
    const tv = isTorchvisionRef(root.model) ? readTorchvisionSettings(root, this.dir, (p, m) => this.error(p, m)) : undefined;
    const misuse = torchvisionWeightsMisuse(root);
    if (misuse) this.error(['weights'], misuse);
    const model = isTorchvisionRef(root.model) ? tv?.model : this.modelPath(root);
    const weights = isTorchvisionRef(root.model) || misuse ? tv?.weights : this.optionalPath(root, ['weights'], 'the pretrained weights (a model.json or a run\'s weights folder)');
    const pretrain = this.pretrainPath(root);
    // The torch engine's interpreter: a path (relative to this file) or a command on PATH.
    const python = this.optionalString(root, ['python']);
    const supplier = root.data === undefined ? [...sections.values()].find((s) => s.suppliesData?.(root[s.key])) : undefined;
    const data: DataSpec | undefined = supplier ? { source: 'external', section: supplier.key } : this.data(root);
    const train = this.train(root, data?.source ?? 'folder');
    const freeze = root.freeze === undefined ? 0 : this.freezeSpec(root.freeze);

    const extra: Obj = {};
    for (const key of Object.keys(root)) {
      if ((CORE_KEYS as readonly string[]).includes(key)) continue;
      extra[key] = root[key];
      const section = sections.get(key);
      if (section) {
        section.check?.(root[key], {
          error: (p, m) => this.error([key, ...p], m),
          warning: (p, m) => this.warning([key, ...p], m),
          resolvePath: (p) => path.resolve(this.dir, p),
        });
        continue;
      }
      const known = [...CORE_KEYS, ...sections.keys()];
      // A warning, not an error: the editor still shows the model; training refuses it (unknownKeys.ts).
      this.report('warning', [key], `unknown key '${key}' is ignored${didYouMean(key, known)} (known keys: ${known.join(', ')})`, 'key', 'unknown-key');
    }

    if (model === undefined || data === undefined || train === undefined || freeze === undefined || misuse) return undefined;
    const exp: Experiment = { file: this.file, model, data, train, freeze };
    if (tv) exp.torchvision = tv.spec;
    if (name !== undefined) exp.name = name;
    if (weights !== undefined) exp.weights = weights;
    if (pretrain !== undefined) exp.pretrain = pretrain;
    if (python !== undefined) exp.python = /[\\/]/.test(python) ? path.resolve(this.dir, python) : python;
    if (Object.keys(extra).length) exp.extra = extra;
    return exp;
  }

  private optionalString(obj: Obj, p: YamlPath): string | undefined {
    const key = p[p.length - 1] as string;
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v.trim()) {
      this.error(p, `${p.join('.')} must be a non-empty text, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  private optionalPath(obj: Obj, p: YamlPath, what: string): string | undefined {
    const key = p[p.length - 1] as string;
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v.trim()) {
      this.error(p, `${p.join('.')} must be the path of ${what}, relative to this file's folder; got ${show(v)}`);
      return undefined;
    }
    return path.resolve(this.dir, v);
  }

  private modelPath(root: Obj): string | undefined {
    if (root.model === undefined) {
      this.error([], 'missing required key `model:`; add e.g. `model: model.yaml` (a YOLOv5-style architecture YAML), the path of a TensorFlow.js model.json, or `model: torchvision:resnet18`');
      return undefined;
    }
    const p = this.optionalPath(root, ['model'], 'an architecture YAML (.yaml/.yml) or a TensorFlow.js model.json');
    if (p !== undefined && !/\.(ya?ml|json)$/i.test(p)) {
      this.error(['model'], `model must name a .yaml/.yml architecture file, a TensorFlow.js model.json or a torchvision builder (\`torchvision:resnet18\`), got '${String(root.model)}'`);
      return undefined;
    }
    return p;
  }

  private pretrainPath(root: Obj): string | undefined {
    const p = this.optionalPath(root, ['pretrain'], 'the experiment file that produces `weights`');
    if (p !== undefined && !/\.ya?ml$/i.test(p)) {
      this.error(['pretrain'], `pretrain must name another experiment file (*.experiment.yaml), got '${String(root.pretrain)}'`);
      return undefined;
    }
    if (p !== undefined && root.weights === undefined) {
      this.warning(['pretrain'], 'pretrain is set but weights is not: add `weights:` with the path where the pretrain run writes its weights (e.g. runs/<name>/weights/best/model.json)', 'key');
    }
    return p;
  }

  private data(root: Obj): DataSpec | undefined {
    const d = root.data;
    if (d === undefined) {
      this.error([], 'missing required key `data:`; add e.g. `data: {source: mnist, classes: [0, 1, 2, 3, 4]}` or `data: {source: folder, path: images}`');
      return undefined;
    }
    if (!isObject(d)) {
      this.error(['data'], `data must be a mapping with a source (mnist or folder), got ${show(d)}`);
      return undefined;
    }
    if (d.source === 'mnist') {
      this.unknownKeys(d, ['data'], MNIST_KEYS);
      const classes = this.classes(d.classes);
      const limit = d.limit === undefined ? undefined : this.int(['data', 'limit'], d.limit, 1, undefined, 'the number of training labels to use, e.g. `limit: 1000`');
      const valFraction = d.valFraction === undefined ? undefined : this.fraction(['data', 'valFraction'], d.valFraction);
      if (!classes || (d.limit !== undefined && limit === undefined) || (d.valFraction !== undefined && valFraction === undefined)) return undefined;
      const spec: DataSpec = { source: 'mnist', classes };
      if (limit !== undefined) spec.limit = limit;
      if (valFraction !== undefined) spec.valFraction = valFraction;
      return spec;
    }
    if (d.source === 'folder') {
      this.unknownKeys(d, ['data'], FOLDER_KEYS);
      if (d.path === undefined) {
        this.error(['data'], 'data.source folder needs `path:` — the folder holding train/ and val/, one subfolder per class', 'key');
        return undefined;
      }
      const p = this.optionalPath(d, ['data', 'path'], 'the folder holding train/ and val/');
      let strict: boolean | undefined;
      if (d.strict !== undefined) {
        if (typeof d.strict !== 'boolean') this.error(['data', 'strict'], `data.strict must be true or false, got ${show(d.strict)}`);
        else strict = d.strict;
      }
      if (p === undefined || (d.strict !== undefined && strict === undefined)) return undefined;
      const spec: DataSpec = { source: 'folder', path: p };
      if (strict !== undefined) spec.strict = strict;
      return spec;
    }
    if (d.source === undefined) this.error(['data'], 'data needs `source: mnist` or `source: folder`', 'key');
    else this.error(['data', 'source'], `data.source must be mnist or folder, got ${show(d.source)}`);
    return undefined;
  }

  private classes(v: unknown): number[] | undefined {
    const p = ['data', 'classes'];
    if (v === undefined) {
      this.error(['data'], 'data.source mnist needs `classes:` — the digits to use, e.g. `classes: [0, 1, 2, 3, 4]`', 'key');
      return undefined;
    }
    if (!Array.isArray(v) || v.length < 2) {
      this.error(p, `data.classes must list at least two digits 0–9, e.g. [0, 1, 2, 3, 4]; got ${show(v)}`);
      return undefined;
    }
    const seen = new Set<number>();
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (!Number.isInteger(c) || c < 0 || c > 9) {
        this.error([...p, i], `data.classes[${i}] must be a digit 0–9, got ${show(c)}`);
        return undefined;
      }
      if (seen.has(c)) {
        this.error([...p, i], `digit ${c} is listed twice in data.classes; list each digit once`);
        return undefined;
      }
      seen.add(c);
    }
    return v as number[];
  }

  private train(root: Obj, source: DataSpec['source']): TrainSettings | undefined {
    const t = root.train ?? {};
    const imgsz = DEFAULT_IMGSZ[source];
    const out: TrainSettings = { ...TRAIN_DEFAULTS, imgsz };
    if (root.train === null) return out;
    if (!isObject(t)) {
      this.error(['train'], `train must be a mapping (epochs:, batch:, optimizer:, lr:, seed:, imgsz:), got ${show(t)}`);
      return undefined;
    }
    this.unknownKeys(t, ['train'], TRAIN_KEYS);
    let ok = true;
    const int = (key: 'epochs' | 'batch' | 'seed' | 'imgsz', min: number, max: number | undefined, example: string): void => {
      if (t[key] === undefined) return;
      const n = this.int(['train', key], t[key], min, max, example);
      if (n === undefined) ok = false;
      else out[key] = n;
    };
    int('epochs', 1, undefined, 'e.g. `epochs: 10`');
    int('batch', 1, undefined, 'e.g. `batch: 32`');
    int('seed', 0, undefined, 'e.g. `seed: 0`');
    int('imgsz', 8, 4096, 'e.g. `imgsz: 32` (square input size in pixels)');
    if (t.optimizer !== undefined) {
      if (t.optimizer === 'adam' || t.optimizer === 'sgd') out.optimizer = t.optimizer;
      else {
        this.error(['train', 'optimizer'], `train.optimizer must be adam or sgd, got ${show(t.optimizer)}`);
        ok = false;
      }
    }
    if (t.lr !== undefined) {
      if (typeof t.lr === 'number' && Number.isFinite(t.lr) && t.lr > 0 && t.lr < 10) out.lr = t.lr;
      else {
        this.error(['train', 'lr'], `train.lr must be a positive learning rate below 10, e.g. \`lr: 0.001\`; got ${show(t.lr)}`);
        ok = false;
      }
    }
    return ok ? out : undefined;
  }

  private freezeSpec(v: unknown): FreezeSpec | undefined {
    const p = ['freeze'];
    const hint = 'write a module count (`freeze: 10` freezes model.0–model.9) or a list of module indices and layer names (`freeze: [0, 1, \'model.3.bn\']`)';
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 0) return v;
      this.error(p, `freeze must be a whole number ≥ 0, got ${v}; ${hint}`);
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.error(p, `freeze must be a number or a list, got ${show(v)}; ${hint}`);
      return undefined;
    }
    const out: Array<number | string> = [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'number' && Number.isInteger(x) && x >= 0) out.push(x);
      else if (typeof x === 'string' && x.trim() && !/\s/.test(x.trim())) out.push(x.trim());
      else {
        this.error([...p, i], `freeze[${i}] must be a module index ≥ 0 or a parameter-name prefix like 'model.3.bn', got ${show(x)}`);
        return undefined;
      }
    }
    return out;
  }

  private int(p: YamlPath, v: unknown, min: number, max: number | undefined, example: string): number | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max)) return v;
    const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    this.error(p, `${p.join('.')} must be a whole number ${range}, ${example}; got ${show(v)}`);
    return undefined;
  }

  private fraction(p: YamlPath, v: unknown): number | undefined {
    if (typeof v === 'number' && v > 0 && v < 1) return v;
    this.error(p, `${p.join('.')} must be a fraction between 0 and 1 (exclusive), e.g. 0.2; got ${show(v)}`);
    return undefined;
  }

  private unknownKeys(obj: Obj, p: YamlPath, known: string[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const hint = closest(key, known);
      this.error([...p, key], `unknown key '${key}' in ${p.join('.')}${hint ? `; did you mean '${hint}'?` : ''} (allowed: ${known.join(', ')})`, 'key');
    }
  }
}
