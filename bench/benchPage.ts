// What the panel benches share: Chromium's flags, the panel's page with acquireVsCodeApi stubbed
// (it records what the webview posts), timing statistics, and failing with the webview's own words.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';

/** Chromium's flags, as the tests start it. */
export { CHROMIUM_ARGS as FLAGS } from '../test/harness/install';

const root = path.resolve(__dirname, '..', '..');
const dist = (f: string) => path.join(root, 'dist', f);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function stats(xs: number[]): string {
  return `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;
}

/** The page VS Code would show, with acquireVsCodeApi stubbed to record what the webview posts. */
export function pageHtml(): string {
  const css = readFileSync(dist('webview.css'), 'utf8');
  const js = readFileSync(dist('webview.js'), 'utf8');
  // A few of the dark theme's variables, so the charts read real colours.
  const vars =
    '--vscode-editor-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-foreground:#cccccc;--vscode-descriptionForeground:#9d9d9d;--vscode-editorWidget-border:#454545;--vscode-font-family:sans-serif;--vscode-font-size:13px';
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{${vars}}</style><style>${css}</style></head>
<body class="vscode-dark"><main id="app"></main>
<script>window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>undefined,setState:(s)=>s});</script>
<script>${js.replace(/<\/script/g, '<\\/script')}</script></body></html>`;
}

/** What the webview posted that says it did not draw: an ignored message or an error. */
function webviewComplaints(): string[] {
  const posted = (window as unknown as { __posted: Array<{ type: string; level?: string; message?: string }> }).__posted;
  return posted.filter((m) => m.type === 'log' && m.level !== 'info').map((m) => `${m.level}: ${m.message}`);
}

/** Fails the bench with what the webview said, rather than waiting for a drawing pass that never comes. */
export async function checkWebview(page: Page, when: string): Promise<void> {
  const complaints = await page.evaluate(webviewComplaints);
  if (complaints.length) throw new Error(`the webview did not draw ${when}: ${complaints.join('; ')}`);
}
