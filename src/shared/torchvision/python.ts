// The Python that inspects (and, in the torch engine, trains) torchvision models: the first of the
// candidates every Python of Transfer Lab is chosen from (../python/pythonCandidates.ts: the
// experiment's `python:`, transferLab.python, the Python extension's interpreter, python3 on PATH,
// /usr/bin/python3) that has torch and torchvision. No shell. A cheap probe (no `import torch`:
// ~0.05 s) says which torch and torchvision each has, so a missing package is a message naming the
// interpreters tried and what to install, and the versions key the cache.
import { execFile } from 'node:child_process';
import { PythonLookup, pythonCandidates } from '../python/pythonCandidates';

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
  constructor(
    message: string,
    readonly python?: TorchPython,
  ) {
    super(message);
    this.name = 'TorchPythonError';
  }
}

const INSTALL =
  "Install PyTorch and torchvision for it (Debian/Ubuntu: `sudo apt install python3-torch python3-torchvision` for /usr/bin/python3; elsewhere `<python> -m pip install torch torchvision`), or name a Python that has them: the experiment's `python:`, the transferLab.python setting, or the Python extension's interpreter.";

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
    throw new TorchPythonError(
      `torchvision models are built by PyTorch, and ${py.command} (${py.source}, Python ${String(parsed.python)}) has no ${missing.join(' and no ')}. ${INSTALL}`,
      py,
    );
  }
  return {
    ...py,
    executable: parsed.executable,
    python: String(parsed.python),
    torch: String(parsed.torch),
    torchvision: String(parsed.torchvision),
  };
}

/** The first candidate with torch and torchvision; throws TorchPythonError naming every one tried. */
export async function findTorchvisionPython(lookup: Omit<PythonLookup, 'useSetting' | 'systemPython'>): Promise<TorchPythonProbe> {
  const list = await pythonCandidates({ ...lookup, useSetting: true, systemPython: true });
  if (list.length === 0)
    throw new TorchPythonError(
      `Python not found: no python3 on PATH, no interpreter selected in the Python extension, no transferLab.python. ${INSTALL}`,
    );
  const why: string[] = [];
  for (const c of list) {
    try {
      return await probeTorchPython({ command: c.python, source: c.source });
    } catch (e) {
      if (!(e instanceof TorchPythonError) || list.length === 1) throw e;
      why.push(e.message.replace(` ${INSTALL}`, ''));
    }
  }
  throw new TorchPythonError(`${why.join('; ')}. ${INSTALL}`);
}
