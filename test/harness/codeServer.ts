// Starts one code-server (VS Code's server build) for one test run: bound to 127.0.0.1 on a free
// port, with a private HOME/XDG tree and profile, stopped by killing its process group.
import { spawn, ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCodeServer } from './install';

export interface CodeServerOptions {
  /** Folder opened in the workbench. */
  workspace: string;
  /** Needed to run extension tests through the `payload` URL parameter. */
  smokeTestDriver?: boolean;
  /** Keep workspace trust on (to test restricted mode); off by default. */
  workspaceTrust?: boolean;
  /** Extra user settings merged over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Fixed port (npm start uses 8080); a free one otherwise. */
  port?: number;
  /** Extra environment for the server (and so for extension hosts it starts). */
  env?: NodeJS.ProcessEnv;
  /** Installs these .vsix files before starting. */
  installVsix?: string[];
  /** Loads this extension folder as an installed extension (linked into the extensions dir). */
  linkExtension?: { folder: string; id: string; version: string };
}

export interface RunningCodeServer {
  host: string;
  port: number;
  url: string;
  pid: number;
  tmp: string;
  log: () => string;
  stop: () => Promise<void>;
}

export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'files.hotExit': 'off',
  'workbench.colorTheme': 'Default Dark Modern',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, proc: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}:\n${log()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms:\n${log()}`);
}

/** A private HOME and XDG tree: code-server, the VS Code server and Chromium write there whatever flags say. */
export function privateHomeEnv(tmp: string): NodeJS.ProcessEnv {
  const home = path.join(tmp, 'home');
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_RUNTIME_DIR: path.join(tmp, 'run'),
  };
  for (const v of Object.values(env)) mkdirSync(v!, { recursive: true });
  return env;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<RunningCodeServer> {
  const { nodeBin, codeServerEntry } = ensureCodeServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-code-server-'));
  const userDir = path.join(tmp, 'user');
  const extDir = path.join(tmp, 'extensions');
  mkdirSync(path.join(userDir, 'User'), { recursive: true });
  mkdirSync(extDir, { recursive: true });
  if (opts.linkExtension) {
    const { folder, id, version } = opts.linkExtension;
    symlinkSync(folder, path.join(extDir, `${id}-${version}`), 'dir');
  }
  const settings = { ...QUIET_SETTINGS, 'security.workspace.trust.enabled': !!opts.workspaceTrust, ...opts.settings };
  writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const host = '127.0.0.1';
  const port = opts.port ?? (await freePort());
  // Keep the tester's PATH (node for the trainer) but the server's own Node first is not needed:
  // code-server is started with Node 24 explicitly.
  const env: NodeJS.ProcessEnv = { ...process.env, ...privateHomeEnv(tmp), ...opts.env };
  delete env.VSCODE_IPC_HOOK_CLI;
  const common = ['--user-data-dir', userDir, '--extensions-dir', extDir];
  for (const vsix of opts.installVsix ?? []) {
    const { execFileSync } = await import('node:child_process');
    execFileSync(nodeBin, [codeServerEntry, ...common, '--install-extension', vsix], { env, stdio: 'pipe' });
  }
  const args = [
    codeServerEntry,
    '--bind-addr',
    `${host}:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--reconnection-grace-time',
    '30',
    ...common,
  ];
  if (!opts.workspaceTrust) args.push('--disable-workspace-trust');
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(opts.workspace);
  let output = '';
  const proc = spawn(nodeBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const log = (): string => output;
  const url = `http://${host}:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.pid) {
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!process.env.TRANSFER_LAB_KEEP_TMP) rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await waitHealthy(url, proc, log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host, port, url, pid: proc.pid!, tmp, log, stop };
}
