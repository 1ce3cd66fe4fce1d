#!/usr/bin/env node
// A stand-in for the desktop `code` executable, so that @vscode/test-electron's runTests (and
// @vscode/test-cli) drive the very same mocha suites where VS Code cannot be downloaded: it accepts
// `--extensionDevelopmentPath=`, `--extensionTestsPath=` and a folder, runs them in code-server's
// extension host through the smoke-test driver, and exits with the tests' exit code.
import * as path from 'node:path';
import { startCodeServer } from './codeServer';
import { launchBrowser } from './browser';
import { format } from 'node:util';

/** Printed by test/integration/index.ts when mocha starts. */
export const TESTS_START_MARKER = '[transfer-lab] integration tests start';
const WORKBENCH_NOISE =
  /open-vsx\.org|^\s+at |Creating a socket|connection token|\[Service Worker\]|AgentHost|AccountPolicyGate|builtin extensions cache|reconnection-grace-time/;

interface StandInArgs {
  devPath?: string;
  testsPath?: string;
  folder?: string;
  trust: boolean;
}

function parseArgs(argv: string[]): StandInArgs {
  const out: StandInArgs = { trust: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (flag: string): string | undefined => {
      if (a.startsWith(flag + '=')) return a.slice(flag.length + 1);
      if (a === flag) return argv[++i];
      return undefined;
    };
    const dev = val('--extensionDevelopmentPath');
    if (dev !== undefined) out.devPath = path.resolve(dev);
    else {
      const tests = val('--extensionTestsPath');
      if (tests !== undefined) out.testsPath = path.resolve(tests);
      else if (a === '--enable-workspace-trust') out.trust = true;
      else if (a === '--user-data-dir' || a === '--extensions-dir')
        i++; // profile flags: we make our own
      else if (!a.startsWith('-')) out.folder = path.resolve(a);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.devPath || !args.testsPath || !args.folder) {
    process.stderr.write('usage: codeStandIn --extensionDevelopmentPath=DIR --extensionTestsPath=FILE FOLDER\n');
    return 2;
  }
  const timeoutMs = Number(process.env.TRANSFER_LAB_TEST_TIMEOUT_MS ?? 20 * 60_000);
  const server = await startCodeServer({ workspace: args.folder, smokeTestDriver: true, workspaceTrust: args.trust });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    // The page forwards every console message of the workbench; print the tests' own output
    // (from the suite's start marker on), not the workbench's start-up chatter.
    let started = false;
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const line = format(...(args as [unknown, ...unknown[]]));
      if (line.includes(TESTS_START_MARKER)) started = true;
      else if (started && !WORKBENCH_NOISE.test(line)) process.stdout.write(line + '\n');
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    // Environment for the extension host: what runTests passed as extensionTestsEnv reaches us as env.
    const envForHost: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('TRANSFER_LAB_') && v !== undefined) envForHost[k] = v;
    const remote = (p: string): string => `vscode-remote://${server.host}:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(args.devPath)],
      ['extensionTestsPath', remote(args.testsPath)],
      ['extensionEnvironment', JSON.stringify(envForHost)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(args.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeout = new Promise<number>((r) =>
      setTimeout(() => {
        process.stderr.write(`extension tests did not finish within ${timeoutMs} ms\n`);
        r(1);
      }, timeoutMs),
    );
    const code = await Promise.race([exited, timeout]);
    if (code !== 0 && process.env.TRANSFER_LAB_SHOW_SERVER_LOG) process.stderr.write(server.log());
    return code;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
