// The comparison panel's webview bundle in headless Chromium, served with the page and the strict
// CSP the extension uses, the toolkit loaded as in VS Code, acquireVsCodeApi stubbed to record what
// the webview posts (test/webview/*.test.ts). Needs `npm run compile` (dist/) and Chromium
// (CHROME_PATH or /usr/bin/chromium).
import { after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildPanelHtml } from '../../src/extension/panel/panelHtml';
import type { WebviewMessage } from '../../src/shared/panel/contract';
import { CHROMIUM_ARGS as FLAGS } from '../harness/install';

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const DIST = path.resolve(__dirname, '..', '..', '..', 'dist');
const ORIGIN = 'http://panel.test';
const NONCE = 'testNonce0123456789';

let context: BrowserContext | undefined;
let profile: string | undefined;

/** Starts Chromium before the calling test file's tests and closes it after them. */
export function useChromium(): void {
  before(launch);
  after(close);
}

async function launch(): Promise<void> {
  // npm test provisions Chromium first; a missing browser fails every test here, never skips them.
  assert.ok(existsSync(CHROME), `no Chromium at ${CHROME}: apt-get install -y chromium, or set CHROME_PATH`);
  for (const f of ['webview.js', 'webview.css', 'toolkit.min.js']) {
    assert.ok(existsSync(path.join(DIST, f)), `dist/${f} is missing: run \`npm run compile\` first`);
  }
  profile = mkdtempSync(path.join(tmpdir(), 'tl-webview-test-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 1400 },
  });
}

async function close(): Promise<void> {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
}

export interface Opened {
  page: Page;
  errors: string[];
  posted(): Promise<WebviewMessage[]>;
  send(msg: unknown): Promise<void>;
  /** The first `rendered` report with these figures. */
  waitRendered(want: { points: number; runs?: number }): Promise<Extract<WebviewMessage, { type: 'rendered' }>>;
}

export async function openPanel(state?: unknown): Promise<Opened> {
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // The stub VS Code injects; an init script is not subject to the page's CSP.
  await page.addInitScript((s) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: unknown };
    w.__posted = [];
    w.__state = s;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.__posted.push(m),
      getState: () => w.__state,
      setState: (v: unknown) => (w.__state = v),
    });
  }, state);
  const html = buildPanelHtml({
    cspSource: ORIGIN,
    nonce: NONCE,
    scriptUri: `${ORIGIN}/dist/webview.js`,
    styleUri: `${ORIGIN}/dist/webview.css`,
    toolkitUri: `${ORIGIN}/dist/toolkit.min.js`,
  });
  await page.route(`${ORIGIN}/**`, (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    const file = path.join(DIST, path.basename(p));
    return route.fulfill({ contentType: p.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  const o: Opened = {
    page,
    errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewMessage[] }).__posted),
    send: async (msg) => {
      await page.evaluate((m) => window.dispatchEvent(new MessageEvent('message', { data: m })), msg);
    },
    waitRendered: async (want) => {
      const h = await page.waitForFunction(
        (w) =>
          (window as unknown as { __posted: Array<{ type: string; points?: number; runs?: string[] }> }).__posted.find(
            (m) => m.type === 'rendered' && m.points === w.points && (w.runs === undefined || m.runs?.length === w.runs),
          ),
        want,
        { timeout: 10_000 },
      );
      return (await h.jsonValue()) as Extract<WebviewMessage, { type: 'rendered' }>;
    },
  };
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  return o;
}
