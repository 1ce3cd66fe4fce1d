// Provisioning for `npm test` and `npm start`, the way `playwright install --with-deps` does it: before
// anything is built, check the system packages the test layers need and the private software Vulkan
// driver; install what is missing when this user can (root, or passwordless sudo, with apt-get), one
// line per package; otherwise stop at once with the single command to run. No test then has to skip
// because a package is missing.
//   node scripts/provision.mjs [--for test|start] [--check]
// --check, or TRANSFER_LAB_NO_SYSTEM_INSTALL=1: only report (exit 1 when something is missing).
// Plain JavaScript on purpose: it runs before the TypeScript build, on a machine that may have nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What each layer needs from the system, and why (the why is printed when it is installed). */
export const PACKAGES = [
  { name: 'chromium', why: 'the browser of the e2e tests and the webview tests', for: ['test'] },
  {
    name: 'fonts-liberation',
    why: 'fonts for stable screenshots; LiberationSans stands in for the Arial.ttf YOLOv5 would download',
    for: ['test'],
  },
  { name: 'libkrb5-dev', why: "headers code-server's native `kerberos` module builds against", for: ['test', 'start'] },
  { name: 'libvulkan1', why: "the WebGPU engine's Vulkan loader", for: ['test', 'start'] },
  { name: 'slurm-wlm', why: 'the one-node Slurm cluster of the cluster tests', for: ['test'] },
  { name: 'munge', why: "Slurm's authentication daemon", for: ['test'] },
  {
    name: 'python3-torch',
    why: 'PyTorch: the real YOLOv5 train.py (shared/vendor/yolov5-v7.0) of the YOLOv5 integration test trains with it',
    for: ['test'],
  },
  { name: 'python3-torchvision', why: "YOLOv5's non-max suppression and image transforms", for: ['test'] },
  { name: 'python3-opencv', why: "YOLOv5's image loading and augmentation (cv2)", for: ['test'] },
  { name: 'python3-pandas', why: 'imported by YOLOv5 at start (utils/general.py)', for: ['test'] },
  { name: 'python3-matplotlib', why: "imported by YOLOv5's plotting module, which train.py loads even with --noplots", for: ['test'] },
  { name: 'python3-seaborn', why: "imported by YOLOv5's plotting module (utils/plots.py)", for: ['test'] },
  { name: 'python3-tqdm', why: "YOLOv5's progress bars, which the extension reads", for: ['test'] },
  { name: 'python3-yaml', why: 'YOLOv5 reads its model, data and hyperparameter YAML files with it', for: ['test'] },
  { name: 'python3-scipy', why: "YOLOv5's anchor check (k-means in utils/autoanchor.py)", for: ['test'] },
  { name: 'python3-psutil', why: "YOLOv5's RAM checks (utils/__init__.py, the data loader)", for: ['test'] },
  { name: 'python3-pil', why: "YOLOv5's image checks (PIL) in the data loader", for: ['test'] },
  { name: 'python3-requests', why: "imported by YOLOv5's download helpers at start", for: ['test'] },
  { name: 'python3-git', why: "YOLOv5's train.py reads its git info (gitpython) at start", for: ['test'] },
  { name: 'python3-ipython', why: 'imported by YOLOv5 at start (utils/general.py)', for: ['test'] },
];

export function lavapipeDir(env = process.env) {
  return env.TRANSFER_LAB_LAVAPIPE_DIR || path.join(os.homedir(), '.cache', 'transfer-lab', 'lavapipe');
}

/** The software Vulkan driver is usable when its env.json names files that exist. */
export function lavapipeReady(dir) {
  try {
    const env = JSON.parse(readFileSync(path.join(dir, 'env.json'), 'utf8'));
    return (
      typeof env.VK_ICD_FILENAMES === 'string' &&
      existsSync(env.VK_ICD_FILENAMES) &&
      typeof env.LD_LIBRARY_PATH === 'string' &&
      existsSync(path.join(env.LD_LIBRARY_PATH, 'libvulkan_lvp.so'))
    );
  } catch {
    return false;
  }
}

/** Packages of `names` that dpkg does not list as installed; null when this is not a dpkg system. */
export function missingPackages(names, run = spawnSync) {
  const r = run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...names], { encoding: 'utf8' });
  if (r.error) return null;
  const installed = new Set(
    String(r.stdout)
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([, s]) => s === 'installed')
      .map(([p]) => p),
  );
  return names.filter((n) => !installed.has(n));
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' }).status === 0;
}

/** How apt-get can be run as root here: [] as root, ['sudo', '-n'] with passwordless sudo, else null. */
export function rootPrefix(uid = process.getuid?.() ?? -1, run = spawnSync) {
  if (uid === 0) return [];
  if (run('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

export function installCommand(names, prefix) {
  const sudo = prefix && prefix.length === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

const say = (msg) => process.stdout.write(`[provision] ${msg}\n`);

function fail(msg) {
  process.stderr.write(`[provision] ${msg}\n`);
  process.exit(1);
}

function aptInstall(prefix, names) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => {
    const r = spawnSync(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), { env, encoding: 'utf8' });
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n').slice(-15).join('\n');
      fail(`\`${args.join(' ')}\` failed (exit ${r.status}):\n${out}\nInstall them yourself with:\n  ${installCommand(names, prefix)}`);
    }
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names]);
}

export function provision({ target = 'test', checkOnly = false } = {}) {
  const wanted = PACKAGES.filter((p) => p.for.includes(target));
  // A browser of the user's own choice replaces the chromium package.
  const needed = wanted.filter((p) => !(p.name === 'chromium' && process.env.CHROME_PATH && existsSync(process.env.CHROME_PATH)));
  const missing = missingPackages(needed.map((p) => p.name));
  if (missing === null) {
    fail(
      `this is not a Debian or Ubuntu system (no dpkg-query): install the equivalents of ${needed.map((p) => p.name).join(', ')} yourself, ` +
        'set CHROME_PATH to a Chromium, and set TRANSFER_LAB_NO_SYSTEM_INSTALL=1 to skip this check.',
    );
  }
  if (missing.length) {
    const prefix = checkOnly ? null : onPath('apt-get') ? rootPrefix() : null;
    if (prefix === null) {
      const why = checkOnly
        ? 'not installing (TRANSFER_LAB_NO_SYSTEM_INSTALL=1 or --check)'
        : !onPath('apt-get')
          ? 'no apt-get here'
          : 'not root and no passwordless sudo';
      fail(
        `missing system packages: ${missing.join(', ')} (${why}). Run this, then the same npm command again:\n  ${installCommand(missing, process.getuid?.() === 0 ? [] : ['sudo'])}`,
      );
    }
    aptInstall(prefix, missing);
    for (const name of missing) say(`installed ${name}: ${wanted.find((p) => p.name === name).why}`);
  }
  if (target === 'test') {
    const dir = lavapipeDir();
    if (!lavapipeReady(dir)) {
      if (checkOnly) fail(`software Vulkan (lavapipe) is not set up in ${dir}. Run: bash scripts/setup-lavapipe.sh ${dir}`);
      // No root needed: the driver is downloaded with apt into a private folder, nothing system-wide.
      const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-lavapipe.sh'), dir], { encoding: 'utf8' });
      if (r.status !== 0 || !lavapipeReady(dir)) {
        fail(`setting up software Vulkan in ${dir} failed:\n${`${r.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n')}`);
      }
      say(`installed software Vulkan (Mesa lavapipe) into ${dir}: the WebGPU engine's tests run on it`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--for');
  const target = i >= 0 ? args[i + 1] : 'test';
  if (target !== 'test' && target !== 'start') fail(`--for takes test or start, not ${target}`);
  provision({ target, checkOnly: args.includes('--check') || process.env.TRANSFER_LAB_NO_SYSTEM_INSTALL === '1' });
}
