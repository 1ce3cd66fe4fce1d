// Runs the mocha integration suites inside a real VS Code extension host through the conventional
// entry, @vscode/test-electron's runTests. Where desktop VS Code cannot be downloaded (no internet),
// the same suites run in code-server through the stand-in executable.
// TRANSFER_LAB_VSCODE=desktop|code-server forces one; auto (default) probes the download host.
import { runTests } from '@vscode/test-electron';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

async function canDownloadVSCode(): Promise<boolean> {
  try {
    await Promise.race([
      lookup('update.code.visualstudio.com'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export async function runSuites(opts: { suite: 'main' | 'untrusted' }): Promise<number> {
  const mode = process.env.TRANSFER_LAB_VSCODE ?? 'auto';
  const desktop = mode === 'desktop' || (mode === 'auto' && (await canDownloadVSCode()));
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'tl-int-ws-'));
  cpSync(path.join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const launchArgs = [workspace];
  if (opts.suite === 'untrusted') launchArgs.push('--enable-workspace-trust');
  const standIn = path.join(__dirname, 'codeStandIn.js');
  chmodSync(standIn, 0o755);
  process.stdout.write(
    `[harness] integration suite '${opts.suite}' in ${desktop ? 'desktop VS Code' : 'code-server'}; workspace ${workspace}\n`,
  );
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index.js'),
      launchArgs,
      extensionTestsEnv: { TRANSFER_LAB_SUITE: opts.suite, TRANSFER_LAB_REPO: root },
      ...(desktop ? {} : { vscodeExecutablePath: standIn }),
    });
    return 0;
  } catch (e) {
    process.stderr.write(`[harness] integration suite '${opts.suite}' failed: ${String(e)}\n`);
    return 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    let code = await runSuites({ suite: 'main' });
    code ||= await runSuites({ suite: 'untrusted' });
    process.exit(code);
  })();
}
