// Where the real YOLOv5 of the integration tests is, and what its train.py needs to run here offline.
// The workplace keeps YOLOv5 v7.0 in shared/vendor/yolov5-v7.0 beside the repository (CI clones the
// repository with shared/ beside it; a git worktree finds it beside its main checkout);
// TRANSFER_LAB_YOLOV5_DIR names another checkout. When it is missing the tests FAIL saying so:
// a skipped test would hide that YOLOv5 never ran.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const YOLOV5_DIR_ENV = 'TRANSFER_LAB_YOLOV5_DIR';
/** Debian's interpreter: the python3-* packages scripts/provision.mjs installs are its. */
export const PYTHON = '/usr/bin/python3';
const VENDORED = path.join('shared', 'vendor', 'yolov5-v7.0');
const FONT = '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf';
/** What YOLOv5 v7.0's train.py imports (its requirements.txt less thop and tensorboard, which it can do without). */
const MODULES = [
  'torch',
  'torchvision',
  'cv2',
  'pandas',
  'matplotlib',
  'seaborn',
  'tqdm',
  'yaml',
  'scipy',
  'psutil',
  'PIL',
  'requests',
  'git',
  'IPython',
];
const PROVISION = 'run `node scripts/provision.mjs` (it installs the python3-* packages with apt), then the tests again';

function isYolov5(dir: string): boolean {
  return existsSync(path.join(dir, 'train.py')) && existsSync(path.join(dir, 'models', 'yolov5n.yaml'));
}

/** The main checkout of a git worktree (its .git is a file naming the worktree's git folder). */
function mainCheckoutOf(repo: string): string | undefined {
  try {
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(path.join(repo, '.git'), 'utf8'));
    if (!m) return undefined;
    const gitDir = path.resolve(repo, m[1].trim());
    return path.dirname(path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()));
  } catch {
    return undefined;
  }
}

/** The YOLOv5 checkout (the folder holding train.py); throws what to do when there is none. */
export function locateYolov5(repo: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env[YOLOV5_DIR_ENV];
  if (given) {
    const dir = path.resolve(given);
    if (isYolov5(dir)) return dir;
    throw new Error(
      `${YOLOV5_DIR_ENV} is ${given}, which is no YOLOv5 checkout (no train.py and models/yolov5n.yaml there): point it at YOLOv5 v7.0`,
    );
  }
  const main = mainCheckoutOf(repo);
  const candidates = [
    ...new Set([path.resolve(repo, '..', VENDORED), path.join(repo, VENDORED), ...(main ? [path.resolve(main, '..', VENDORED)] : [])]),
  ];
  const found = candidates.find(isYolov5);
  if (found) return found;
  throw new Error(
    `YOLOv5 v7.0 not found: looked in ${candidates.join(', ')}. These tests train with the workplace's shared/vendor/yolov5-v7.0 ` +
      `beside the repository; set ${YOLOV5_DIR_ENV} to a YOLOv5 v7.0 checkout (the folder holding train.py) to use another.`,
  );
}

export interface ProcessResult {
  code: number | null;
  /** stdout and stderr as they came. */
  output: string;
}

/** Runs a program without a shell and without blocking the extension host. */
export function runProcess(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ code: null, output: `${output}${String(e)}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Fails with what to install when Debian's Python lacks a package YOLOv5 imports. */
export async function checkYolov5Python(): Promise<void> {
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} does not exist: YOLOv5 runs with Debian's Python 3 and its python3-* packages; ${PROVISION}`);
  const script = 'import importlib.util, sys; print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))';
  const r = await runProcess(PYTHON, ['-c', script, ...MODULES]);
  const missing = r.output.trim();
  if (r.code !== 0 || missing) throw new Error(`${PYTHON} cannot import what YOLOv5 needs (${missing || `exit ${r.code}`}): ${PROVISION}`);
}

/**
 * The environment train.py needs offline: its settings folder holding Arial.ttf (a copy of
 * LiberationSans, so it downloads no font), no pip AutoUpdate attempt for thop and tensorboard,
 * and no __pycache__ written into the (read-only) vendor folder.
 */
export function yolov5Environment(configDir: string): Record<string, string> {
  if (!existsSync(FONT)) throw new Error(`${FONT} does not exist (it stands in for the Arial.ttf YOLOv5 would download): ${PROVISION}`);
  mkdirSync(configDir, { recursive: true });
  copyFileSync(FONT, path.join(configDir, 'Arial.ttf'));
  return { YOLOV5_CONFIG_DIR: configDir, YOLOv5_AUTOINSTALL: 'false', PYTHONDONTWRITEBYTECODE: '1' };
}
