// How the trainer is started: which Node runtime, which arguments, which environment. Pure apart
// from the PATH lookup; no vscode import, so it is unit-tested directly.
import { access, constants } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FreezeSpec } from '../../shared/experiment/types';
import { CPUS_ENV, THREADS_ENV } from '../../shared/runs/cpuShare';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { TORCH_PYTHON_ENV } from '../../shared/torch/pythonSetting';

export interface RunSettings {
  /** `transferLab.engine`: `auto` or an engine name. */
  engine: string;
  /** `transferLab.nodePath`: empty for `node` on PATH, else the editor's runtime. */
  nodePath: string;
  /** `transferLab.cudaVisibleDevices`: empty to inherit. */
  cudaVisibleDevices: string;
  /** `transferLab.wasmThreads`: `auto` (the default), a number (`1`: no threads); undefined: inherit. */
  wasmThreads?: string;
  /** `transferLab.python`: the Python for the torch engine; empty: the Python extension's, else python3. */
  python?: string;
}

export interface NodeRuntime {
  command: string;
  /** Extra environment (ELECTRON_RUN_AS_NODE when the editor's own binary stands in for Node). */
  env: Record<string, string>;
  /** For the run log: where the runtime came from. */
  source: 'setting' | 'PATH' | 'editor';
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First `node` on PATH, or undefined. */
export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['.exe'] : [''];
  for (const dir of envPath.split(path.delimiter).filter((d) => d.length > 0)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export class RuntimeError extends Error {}

export async function resolveNodeRuntime(nodePath: string, editorExecPath = process.execPath): Promise<NodeRuntime> {
  const configured = nodePath.trim();
  if (configured) {
    const resolved = path.isAbsolute(configured) ? configured : await findOnPath(configured);
    if (!resolved || !(await isExecutable(resolved))) {
      throw new RuntimeError(
        `transferLab.nodePath is "${configured}", which is not an executable file. Fix the setting or clear it to use node on PATH.`,
      );
    }
    return { command: resolved, env: {}, source: 'setting' };
  }
  const onPath = await findOnPath('node');
  if (onPath) return { command: onPath, env: {}, source: 'PATH' };
  // The editor's own binary runs plain Node code when asked to (Electron), and is Node itself in
  // VS Code's server builds, where the variable is harmless.
  return { command: editorExecPath, env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'editor' };
}

export interface TrainInvocation {
  trainerScript: string;
  experiment: string;
  name: string;
  runsDir: string;
  freeze?: FreezeSpec;
  sweep?: string;
  resume?: boolean;
  /** `--fine-tune` (a new run only: a resumed one keeps what its run.json records). */
  fineTune?: boolean;
}

export function trainArgs(inv: TrainInvocation, settings: RunSettings): string[] {
  // Unknown keys in the experiment were shown, and the launch refused until the user chose to go on.
  const args = [
    inv.trainerScript,
    'train',
    inv.experiment,
    '--name',
    inv.name,
    '--json',
    '--runs-dir',
    inv.runsDir,
    '--allow-unknown-keys',
  ];
  if (inv.freeze !== undefined) args.push('--freeze', freezeArg(inv.freeze));
  if (inv.sweep) args.push('--sweep', inv.sweep);
  if (settings.engine && settings.engine !== 'auto') args.push('--engine', settings.engine);
  if (inv.resume) args.push('--resume');
  else if (inv.fineTune) args.push('--fine-tune');
  return args;
}

export function trainerEnv(
  runtime: NodeRuntime,
  settings: RunSettings & { maxConcurrentRuns?: number },
  base: NodeJS.ProcessEnv = process.env,
  cpus = os.availableParallelism?.() ?? os.cpus().length,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...runtime.env };
  if (settings.cudaVisibleDevices.trim()) env.CUDA_VISIBLE_DEVICES = settings.cudaVisibleDevices.trim();
  // The setting when it is not the default (`auto`, which leaves a variable set for the editor in force).
  const threads = settings.wasmThreads?.trim();
  if (threads && threads !== 'auto') env[THREADS_ENV] = threads;
  if (settings.python?.trim()) env[TORCH_PYTHON_ENV] = settings.python.trim();
  // The editor keeps one core (XNNPACK's threads spin between kernels: a trainer on every core starves
  // the window); several trainers at once share the rest, so that none oversubscribes.
  const concurrent = settings.maxConcurrentRuns ?? 1;
  env[CPUS_ENV] = String(Math.max(1, Math.floor((cpus - 1) / concurrent)));
  // The extension host's own Electron flags must not leak into a plain Node trainer.
  if (runtime.source !== 'editor') delete env.ELECTRON_RUN_AS_NODE;
  return env;
}
