// One e2e session: a fresh workspace copy, code-server with the extension loaded — from the source
// folder as under development, or installed from the .vsix as users get it — and headless Chromium
// on the workbench. Screenshots go to test-output/screenshots/ (a `vsix-` prefix for the installed one).
import { Browser, FrameLocator, Page } from 'playwright-core';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCodeServer, RunningCodeServer } from '../harness/codeServer';
import { launchBrowser } from '../harness/browser';
import { packagedVsix } from '../harness/vsix';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const SCREENSHOTS = path.join(REPO, 'test-output', 'screenshots');

/** Where the extension comes from: the source folder (extensionDevelopmentPath) or `npm run package`'s .vsix, installed. */
export type ExtensionFrom = 'source' | 'vsix';
/** Both, for scenarios that run once each way: only users of the .vsix see what packaging leaves out. */
export const EXTENSION_FROM: readonly ExtensionFrom[] = ['source', 'vsix'];

export interface Session {
  server: RunningCodeServer;
  browser: Browser;
  page: Page;
  workspace: string;
  /** When the workbench had rendered (ms, Date.now()). */
  readyAt: number;
  shot(name: string, target?: { screenshot(o: { path: string }): Promise<unknown> }): Promise<string>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Folder copied to a temporary workspace; an empty one when absent. */
  from?: string;
  /** Written as experiment.yaml beside a copy of examples/digits/model.yaml. */
  experiment?: string;
  theme?: 'Default Dark Modern' | 'Default Light Modern' | 'Default High Contrast';
  settings?: Record<string, unknown>;
  /** Default: source. */
  extension?: ExtensionFrom;
  /** Runs on the page before it opens the workbench (Playwright init scripts). */
  beforeOpen?: (page: Page) => Promise<void>;
}

export async function openSession(opts: SessionOptions = {}): Promise<Session> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'tl-e2e-ws-'));
  if (opts.from) cpSync(opts.from, workspace, { recursive: true, filter: (src) => !/[\\/](runs|node_modules)$/.test(src) });
  if (opts.experiment !== undefined) {
    copyFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), path.join(workspace, 'model.yaml'));
    writeFileSync(path.join(workspace, 'experiment.yaml'), opts.experiment);
  }
  const settings = { ...(opts.theme ? { 'workbench.colorTheme': opts.theme } : {}), ...opts.settings };
  const fromVsix = opts.extension === 'vsix';
  const server = await startCodeServer({
    workspace,
    smokeTestDriver: true,
    settings,
    installVsix: fromVsix ? [packagedVsix(REPO)] : undefined,
  });
  if (fromVsix && !readdirSync(path.join(server.tmp, 'extensions')).some((d) => d.startsWith('transfer-lab.transfer-lab-'))) {
    await server.stop();
    throw new Error('the .vsix did not install into the extensions folder');
  }
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await opts.beforeOpen?.(page);
  // Loading the extension under development the way the test runner does, without tests.
  const payload = [['extensionDevelopmentPath', `vscode-remote://${server.host}:${server.port}${REPO}`]];
  const query = fromVsix ? '' : `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}${query}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  const readyAt = Date.now();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    server,
    browser,
    page,
    workspace,
    readyAt,
    async shot(name, target) {
      const file = path.join(SCREENSHOTS, `${fromVsix ? 'vsix-' : ''}${name}.png`);
      await (target ?? page).screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.stop();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** Runs a palette command by its title ("Transfer Lab: Start Run"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill('>' + title);
  // Click the row whose label is exactly the title: Enter would take the first fuzzy match.
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name').filter({ hasText: exact }) });
  await row.first().waitFor({ state: 'visible' });
  await row.first().click();
}

/** Opens the Transfer Lab container in the activity bar. */
export async function openContainer(page: Page): Promise<void> {
  const tab = page.getByRole('tab', { name: /Transfer Lab/ });
  await tab.first().waitFor({ state: 'visible', timeout: 60_000 });
  await tab.first().click();
}

export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}
