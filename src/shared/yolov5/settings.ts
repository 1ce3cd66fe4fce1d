// The experiment keys that hand training to YOLOv5's own train.py:
//
//   trainer: yolov5            # which program trains (absent: Transfer Lab's own trainer)
//   model: ../yolov5/models/yolov5s.yaml   # the Modules view reads it; passed as --cfg
//   freeze: 10                 # the checkboxes; passed as --freeze
//   yolov5:
//     folder: ../yolov5        # the YOLOv5 checkout (holds train.py), relative to this file
//     python: .venv/bin/python # optional: else the Python extension's interpreter, else python3
//     data: coco128.yaml       # --data, --weights, --hyp: as typed in the YOLOv5 folder
//     weights: yolov5s.pt
//     img: 640                 # --img
//     epochs: 50               # --epochs
//     batch: 16                # --batch-size (-1: YOLOv5's autobatch)
//     hyp: data/hyps/hyp.scratch-low.yaml
//     extra: [--device, '0', --workers, '8', --cache]
//
// Both keys are in the experiment parser's fixed section list (experiment/sections.ts), so their
// problems are reported at their line.
// Pure: no vscode, no Node APIs beyond path.
import * as path from 'node:path';
import { show } from '../experiment/describeValue';
import type { ExperimentSection, SectionReporter } from '../experiment/sectionTypes';
import type { Experiment } from '../experiment/types';
import type { YamlPath } from '../experiment/yamlPositions';
import { UserError } from '../userError';

export const TRAINER_KEY = 'trainer';
export const YOLOV5_KEY = 'yolov5';
export const YOLOV5_TRAINER = 'yolov5';
/** The built-in trainer, for experiments that say so explicitly. */
export const BUILTIN_TRAINER = 'transfer-lab';
/** Environment variable through which the extension host passes the Python extension's selected
 *  interpreter to a YOLOv5 run (used when the experiment has no `yolov5.python`). */
export const PYTHON_ENV = 'TRANSFER_LAB_PYTHON';

export interface Yolov5Settings {
  /** Absolute path of the YOLOv5 checkout: train.py runs there (its cwd). */
  folder: string;
  /** Interpreter: an absolute path (a relative one is resolved against the experiment's folder)
   *  or a command name looked up on PATH. Absent: the host's choice, else python3. */
  python?: string;
  /** `--data`, `--weights`, `--hyp` exactly as written: YOLOv5 resolves them from its folder
   *  (and downloads known names such as coco128.yaml or yolov5s.pt). */
  data?: string;
  weights?: string;
  hyp?: string;
  img?: number;
  epochs?: number;
  /** `--batch-size`; -1 lets YOLOv5 pick one (autobatch). */
  batch?: number;
  /** More train.py arguments, passed as given (no shell: one list item per argument). */
  extra: string[];
}

const KEYS = ['folder', 'python', 'data', 'weights', 'img', 'epochs', 'batch', 'hyp', 'extra'] as const;

/** Arguments Transfer Lab sets itself; in `extra` they would contradict the run it records. */
export const RESERVED_ARGS: Record<string, string> = {
  '--project': 'Transfer Lab puts each run in runs/<name>/ beside the experiment',
  '--name': 'Transfer Lab names the run',
  '--exist-ok': 'Transfer Lab passes it itself',
  '--freeze': "use the experiment's `freeze:` (the Modules view checkboxes)",
  '--resume': 'use the Resume Run command',
  '--cfg': "use the experiment's `model:` (the YOLOv5 model YAML)",
  '--data': 'use `yolov5.data`',
  '--weights': 'use `yolov5.weights`',
  '--hyp': 'use `yolov5.hyp`',
  '--epochs': 'use `yolov5.epochs`',
  '--batch-size': 'use `yolov5.batch`',
  '--batch': 'use `yolov5.batch`',
  '--imgsz': 'use `yolov5.img`',
  '--img': 'use `yolov5.img`',
  '--img-size': 'use `yolov5.img`',
  '--evolve': 'hyperparameter evolution writes many runs into one folder, which Transfer Lab cannot follow',
};

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where the problems of a section go: the parser's reporter, or a list. */
interface Reporter {
  error(p: YamlPath, message: string): void;
  warning(p: YamlPath, message: string): void;
  resolvePath(p: string): string;
}

/**
 * Reads the `yolov5:` section. Problems go to `report` with paths relative to the section; the
 * settings come back when there is no error.
 */
export function readYolov5Section(value: unknown, report: Reporter): Yolov5Settings | undefined {
  if (!isObject(value)) {
    report.error([], `yolov5 must be a mapping with at least \`folder:\` (the YOLOv5 checkout holding train.py), got ${show(value)}`);
    return undefined;
  }
  let ok = true;
  const fail = (p: YamlPath, message: string): undefined => {
    ok = false;
    report.error(p, message);
    return undefined;
  };
  for (const key of Object.keys(value)) {
    if (!(KEYS as readonly string[]).includes(key))
      fail([key], `unknown key '${key}' in yolov5 (allowed: ${KEYS.join(', ')}); more train.py arguments go in \`extra: [--flag, value]\``);
  }
  const text = (key: 'folder' | 'python' | 'data' | 'weights' | 'hyp', what: string): string | undefined => {
    const v = value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v.trim()) return fail([key], `yolov5.${key} must be ${what}, got ${show(v)}`);
    return v.trim();
  };
  const int = (key: 'img' | 'epochs' | 'batch', min: number, example: string, allowMinusOne = false): number | undefined => {
    const v = value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && (v >= min || (allowMinusOne && v === -1))) return v;
    return fail(
      [key],
      `yolov5.${key} must be a whole number ≥ ${min}${allowMinusOne ? " (or -1 for YOLOv5's autobatch)" : ''}, ${example}; got ${show(v)}`,
    );
  };

  const folderText = text('folder', 'the path of the YOLOv5 checkout (the folder holding train.py), relative to this file');
  if (value.folder === undefined)
    fail(
      [],
      'yolov5 needs `folder:` — the YOLOv5 checkout holding train.py (git clone https://github.com/ultralytics/yolov5), relative to this file',
    );
  let python = text('python', 'the Python interpreter (a path, or a command such as python3)');
  if (python !== undefined && /[\\/]/.test(python)) python = report.resolvePath(python);
  const data = text('data', 'the dataset YAML as train.py --data takes it, e.g. coco128.yaml');
  const weights = text('weights', 'the starting weights as train.py --weights takes them, e.g. yolov5s.pt');
  const hyp = text('hyp', 'a hyperparameter YAML as train.py --hyp takes it, e.g. data/hyps/hyp.scratch-low.yaml');
  const img = int('img', 32, 'e.g. `img: 640` (train and val image size in pixels)');
  const epochs = int('epochs', 1, 'e.g. `epochs: 50`');
  const batch = int('batch', 1, 'e.g. `batch: 16`', true);
  const extra = readExtra(value.extra, fail);

  if (!ok || folderText === undefined) return undefined;
  const settings: Yolov5Settings = { folder: report.resolvePath(folderText), extra: extra ?? [] };
  if (python !== undefined) settings.python = python;
  if (data !== undefined) settings.data = data;
  if (weights !== undefined) settings.weights = weights;
  if (hyp !== undefined) settings.hyp = hyp;
  if (img !== undefined) settings.img = img;
  if (epochs !== undefined) settings.epochs = epochs;
  if (batch !== undefined) settings.batch = batch;
  if (settings.weights === undefined)
    report.warning(
      [],
      'yolov5 has no `weights:`: train.py starts from its default (yolov5s.pt); name the pretrained weights to transfer from, e.g. `weights: yolov5s.pt`',
    );
  return settings;
}

function readExtra(v: unknown, fail: (p: YamlPath, m: string) => undefined): string[] | undefined {
  if (v === undefined || v === null) return [];
  // A string is split on spaces (no quoting: nothing runs through a shell).
  const items: unknown[] =
    typeof v === 'string'
      ? v
          .trim()
          .split(/\s+/)
          .filter((s) => s.length > 0)
      : Array.isArray(v)
        ? v
        : [];
  if (typeof v !== 'string' && !Array.isArray(v))
    return fail(['extra'], `yolov5.extra must be a list of train.py arguments, e.g. [--device, '0', --cache]; got ${show(v)}`);
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    const at: YamlPath = typeof v === 'string' ? ['extra'] : ['extra', i];
    if (typeof x === 'number' && Number.isFinite(x)) {
      out.push(String(x));
      continue;
    }
    if (typeof x !== 'string' || x === '')
      return fail(at, `yolov5.extra[${i}] must be a text or a number (one train.py argument), got ${show(x)}`);
    const flag = x.split('=')[0];
    if (flag in RESERVED_ARGS) return fail(at, `${flag} cannot go in yolov5.extra: ${RESERVED_ARGS[flag]}`);
    out.push(x);
  }
  return out;
}

function checkTrainer(value: unknown, report: SectionReporter): void {
  if (value === YOLOV5_TRAINER || value === BUILTIN_TRAINER) return;
  report.error(
    [],
    `trainer must be ${YOLOV5_TRAINER} (YOLOv5's train.py, configured in a yolov5: section) or ${BUILTIN_TRAINER} (the default), got ${show(value)}`,
  );
}

/** `trainer:` — which program trains the experiment. */
export const trainerSection: ExperimentSection = {
  key: TRAINER_KEY,
  check: checkTrainer,
  suppliesData: (value) => value === YOLOV5_TRAINER,
};

/** `yolov5:` — where YOLOv5 is and how to call its train.py. */
export const yolov5Section: ExperimentSection = {
  key: YOLOV5_KEY,
  check: (value, report) => void readYolov5Section(value, report),
};

/** Whether the experiment is trained by YOLOv5's train.py. */
export function usesYolov5(exp: Pick<Experiment, 'extra'>): boolean {
  return exp.extra?.[TRAINER_KEY] === YOLOV5_TRAINER;
}

export class Yolov5SettingsError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'Yolov5SettingsError';
  }
}

/** The `yolov5:` settings of an experiment that uses YOLOv5; throws with what to write when the
 *  section is missing or wrong (the parser reports the same problems at their lines). */
export function yolov5SettingsOf(exp: Pick<Experiment, 'extra' | 'file'>): Yolov5Settings {
  const value = exp.extra?.[YOLOV5_KEY];
  if (value === undefined) {
    throw new Yolov5SettingsError(
      `${exp.file}: \`trainer: yolov5\` needs a yolov5: section with at least \`folder:\` (the YOLOv5 checkout holding train.py)`,
    );
  }
  const errors: string[] = [];
  const dir = path.dirname(exp.file);
  const settings = readYolov5Section(value, {
    error: (p, m) => errors.push(`${[YOLOV5_KEY, ...p].join('.')}: ${m}`),
    warning: () => undefined,
    resolvePath: (p) => path.resolve(dir, p),
  });
  if (!settings) throw new Yolov5SettingsError(`${exp.file}: ${errors.join('; ')}`);
  return settings;
}
