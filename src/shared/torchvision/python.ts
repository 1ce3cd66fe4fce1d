// The Python that inspects (and, in the torch engine, trains) torchvision models: an explicit
// choice (the host passes the Python extension's interpreter), else TRANSFER_LAB_PYTHON (what the
// host passes a trainer process), else python3 on PATH — the order YOLOv5 runs use
// (src/trainer/yolov5/pythonCommand.ts). No shell: a path is checked, a name looked up on PATH.
// A cheap probe (no `import torch`: ~0.05 s) says which torch and torchvision it has, so a missing
// package is a message naming the interpreter and what to install, and the versions key the cache.
import { execFile } from 'node:child_process';
import { findExecutable, isExecutableFile } from '../system/executable';
import { PYTHON_ENV } from '../yolov5/settings';

export interface TorchPython {
  /** What was run: a path, or the name found on PATH resolved to its path. */
  command: string;
  /** Where the choice came from, for messages. */
  source: string;
}

export interface TorchPythonProbe extends TorchPython {
  /** sys.executable: the interpreter itself (a venv's python, a pyenv shim's target). */
  executable: string;
  python: string;
  torch?: string;
  torchvision?: string;
}

/** A problem with the Python side, worded for the user; `python` says which interpreter was tried. */
export class TorchPythonError extends Error {
  constructor(message: string, readonly python?: TorchPython) {
    super(message);
    this.name = 'TorchPythonError';
  }
}

const INSTALL = 'Install PyTorch and torchvision for it (Debian/Ubuntu: `sudo apt install python3-torch python3-torchvision` for /usr/bin/python3; elsewhere `<python> -m pip install torch torchvision`), or select a Python that has them with the Python extension.';

export async function findTorchPython(explicit?: string, env: NodeJS.ProcessEnv = process.env): Promise<TorchPython> {
  const envPath = env.PATH ?? env.Path ?? '';
  const chosen = explicit?.trim() ? { value: explicit.trim(), source: 'the interpreter selected in the Python extension' }
    : env[PYTHON_ENV]?.trim() ? { value: env[PYTHON_ENV]!.trim(), source: `${PYTHON_ENV}` } : undefined;
  if (chosen) {
    if (/[\\/]/.test(chosen.value)) {
      if (await isExecutableFile(chosen.value)) return { command: chosen.value, source: chosen.source };
      throw new TorchPythonError(`Python not found: ${chosen.source} is ${chosen.value}, which is not an executable file. ${INSTALL}`);
    }
    const found = await findExecutable(chosen.value, envPath);
    if (found) return { command: found, source: chosen.source };
    throw new TorchPythonError(`Python not found: ${chosen.source} is '${chosen.value}', which is not on PATH. ${INSTALL}`);
  }
  const name = process.platform === 'win32' ? 'python' : 'python3';
  const found = await findExecutable(name, envPath);
  if (found) return { command: found, source: `${name} on PATH` };
  throw new TorchPythonError(`Python not found: no ${name} on PATH and no interpreter selected in the Python extension. ${INSTALL}`);
}

const PROBE = [
  'import json, sys',
  'out = {"executable": sys.executable, "python": sys.version.split()[0]}',
  'try:\n import importlib.metadata as md\nexcept ImportError:\n md = None',
  'for p in ("torch", "torchvision"):\n try:\n  out[p] = md.version(p)\n except Exception:\n  out[p] = None',
  'print(json.dumps(out))',
].join('\n');

export function runPython(command: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: err && code === -1 ? `${String(stderr)}\n${err.message}` : String(stderr) });
    });
  });
}

/** The interpreter's torch and torchvision versions; throws TorchPythonError when either is missing. */
export async function probeTorchPython(py: TorchPython): Promise<TorchPythonProbe> {
  const r = await runPython(py.command, ['-c', PROBE], 60_000);
  let parsed: { executable?: unknown; python?: unknown; torch?: unknown; torchvision?: unknown } | undefined;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    parsed = undefined;
  }
  if (r.code !== 0 || !parsed || typeof parsed.executable !== 'string') {
    const why = r.stderr.trim().split('\n').slice(-2).join(' ') || `exit status ${r.code}`;
    throw new TorchPythonError(`${py.command} (${py.source}) did not run as Python 3.8 or later (${why}). ${INSTALL}`, py);
  }
  const missing = (['torch', 'torchvision'] as const).filter((p) => typeof parsed![p] !== 'string');
  if (missing.length) {
    throw new TorchPythonError(`torchvision models are built by PyTorch, and ${py.command} (${py.source}, Python ${String(parsed.python)}) has no ${missing.join(' and no ')}. ${INSTALL}`, py);
  }
  return { ...py, executable: parsed.executable, python: String(parsed.python), torch: String(parsed.torch), torchvision: String(parsed.torchvision) };
}
