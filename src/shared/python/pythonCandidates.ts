// Which Python runs PyTorch for Transfer Lab — the torch engine's worker, the torchvision inspection
// behind the Modules view and `transfer-lab modules`, and YOLOv5's train.py — in one order:
//   1. the experiment's key (`python:`, or `yolov5.python` for YOLOv5): an explicit choice, alone;
//   2. the `transferLab.python` setting (the host passes it; a trainer reads TRANSFER_LAB_TORCH_PYTHON):
//      explicit too, alone (YOLOv5 runs do not read it: their interpreter is yolov5.python's);
//   3. otherwise these in turn: the Python extension's interpreter (the host asks the extension; a
//      trainer reads TRANSFER_LAB_PYTHON), python3 on PATH, and where asked /usr/bin/python3 (Debian's
//      python3-torch when PATH leads to another Python first).
// Callers probe the candidates (what each needs: torch, torchvision, YOLOv5's packages) and take the
// first that has it; an explicit choice that lacks it is an error naming it, never skipped.
import { TORCH_PYTHON_ENV } from '../torch/pythonSetting';
import { findExecutable } from '../system/executable';
import { PYTHON_ENV } from '../yolov5/settings';

export type PythonSourceKind = 'experiment' | 'setting' | 'editor' | 'path' | 'system';

export interface PythonCandidate {
  /** A path, or (for an explicit choice) a name as written, which the spawn looks up on PATH. */
  python: string;
  kind: PythonSourceKind;
  /** Where it came from, for messages: "the experiment's python:", "transferLab.python", … */
  source: string;
}

export interface PythonLookup {
  /** The experiment's key and how messages name it (default "the experiment's python:"). */
  experiment?: string;
  experimentSource?: string;
  /** Whether `transferLab.python` applies (not to YOLOv5 runs). */
  useSetting?: boolean;
  /** transferLab.python as the host reads it; undefined: TRANSFER_LAB_TORCH_PYTHON from `env`. */
  setting?: string;
  /** The Python extension's interpreter as the host reads it; undefined: TRANSFER_LAB_PYTHON from `env`. */
  editor?: string;
  /** Also try /usr/bin/python3 last. */
  systemPython?: boolean;
  env?: NodeJS.ProcessEnv;
}

export const SYSTEM_PYTHON = '/usr/bin/python3';

export async function pythonCandidates(o: PythonLookup): Promise<PythonCandidate[]> {
  const env = o.env ?? process.env;
  const experiment = o.experiment?.trim();
  if (experiment) return [{ python: experiment, kind: 'experiment', source: o.experimentSource ?? "the experiment's python:" }];
  const setting = (o.setting ?? env[TORCH_PYTHON_ENV])?.trim();
  if (o.useSetting && setting) return [{ python: setting, kind: 'setting', source: 'transferLab.python' }];
  const out: PythonCandidate[] = [];
  const editor = (o.editor ?? env[PYTHON_ENV])?.trim();
  if (editor) out.push({ python: editor, kind: 'editor', source: 'the Python extension' });
  const name = process.platform === 'win32' ? 'python' : 'python3';
  const onPath = await findExecutable(name, env.PATH ?? env.Path ?? '');
  if (onPath && onPath !== editor) out.push({ python: onPath, kind: 'path', source: 'PATH' });
  if (o.systemPython && process.platform !== 'win32' && !out.some((c) => c.python === SYSTEM_PYTHON))
    out.push({ python: SYSTEM_PYTHON, kind: 'system', source: 'the system Python' });
  return out;
}
