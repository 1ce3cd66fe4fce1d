// The .vsix: built by `npm run package`, under 5 MB, installs with `code-server
// --install-extension`, shows its container, and its bundled trainer trains on the packed digits.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCodeServer, RunningCodeServer } from '../harness/codeServer';
import { launchBrowser } from '../harness/browser';
import { packagedVsix } from '../harness/vsix';
import { REPO, SCREENSHOTS } from './session';

let server: RunningCodeServer | undefined;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-vsix-'));
after(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('npm run package makes a .vsix under 5 MB that installs and runs in code-server', async () => {
  const vsix = packagedVsix(REPO);
  const size = statSync(vsix).size;
  assert.ok(size < 5 * 1024 * 1024, `vsix is ${size} bytes`);

  const ws = path.join(tmp, 'ws');
  execFileSync('mkdir', ['-p', ws]);
  server = await startCodeServer({ workspace: ws, installVsix: [vsix] });
  const extDir = readdirSync(path.join(server.tmp, 'extensions')).find((d) => d.startsWith('transfer-lab.transfer-lab-'));
  assert.ok(extDir, 'installed into the extensions folder');
  const installed = path.join(server.tmp, 'extensions', extDir);

  // The installed bundle trains on its own (packed digits, wasm binaries beside it), no node_modules.
  copyFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), path.join(ws, 'model.yaml'));
  writeFileSync(
    path.join(ws, 'experiment.yaml'),
    'model: model.yaml\ndata: { source: mnist, classes: [0, 1], limit: 40 }\ntrain: { epochs: 1, batch: 20 }\nfreeze: 6\n',
  );
  // wasm, then `auto`: torch where PyTorch is installed (its Python worker ships in dist/torch/).
  const trainer = path.join(installed, 'dist', 'trainer.js');
  const listed = JSON.parse(
    execFileSync(process.execPath, [trainer, 'engines', '--json'], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, TRANSFER_LAB_ENGINE: '' },
    }),
  ) as { chosen?: { name: string } };
  assert.ok(listed.chosen?.name === 'torch' || listed.chosen?.name === 'wasm', JSON.stringify(listed));
  for (const [name, engine, expected] of [
    ['vsix', 'wasm', 'wasm'],
    ['vsix-auto', '', listed.chosen.name],
  ]) {
    const out = execFileSync(process.execPath, [trainer, 'train', 'experiment.yaml', '--name', name, '--json'], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, TRANSFER_LAB_ENGINE: engine },
    });
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; engine?: string });
    assert.equal(events.find((e) => e.type === 'start')?.engine, expected);
    assert.equal(events.at(-1)?.status, 'finished');
  }

  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    const tab = page.getByRole('tab', { name: /Transfer Lab/ }).first();
    await tab.waitFor({ state: 'visible', timeout: 60_000 });
    await tab.click();
    await page
      .getByRole('tree', { name: /Modules/ })
      .locator('.monaco-list-row', { hasText: '0 Conv' })
      .waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'vsix-installed.png') });
  } finally {
    await browser.close();
  }
});
