// The comparison panel's HTML shell: a strict Content-Security-Policy (scripts and styles only from
// the extension's dist/ or carrying this load's nonce), the toolkit and the chart bundle as module
// scripts. No vscode import, so it is unit-tested as is.
import { randomBytes } from 'node:crypto';

/** The packaged files the page loads, relative to the extension's folder (the .vsix must hold them). */
export const PANEL_ASSETS = {
  scriptUri: 'dist/webview.js',
  styleUri: 'dist/webview.css',
  toolkitUri: 'dist/toolkit.min.js',
} as const;

type AssetUris = Record<keyof typeof PANEL_ASSETS, string>;

export interface PanelHtmlParts extends AssetUris {
  /** `webview.cspSource` */
  cspSource: string;
  nonce: string;
}

/** Every asset's URI, from a function that turns a path relative to the extension into one (asWebviewUri). */
export function panelAssetUris(uriOf: (relativePath: string) => string): AssetUris {
  return { scriptUri: uriOf(PANEL_ASSETS.scriptUri), styleUri: uriOf(PANEL_ASSETS.styleUri), toolkitUri: uriOf(PANEL_ASSETS.toolkitUri) };
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src ${cspSource} 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function buildPanelHtml(p: PanelHtmlParts): string {
  const n = attr(p.nonce);
  // The toolkit registers its elements when its module runs; the chart bundle follows it (module
  // scripts run in document order), so controls are upgraded before main.ts wires them.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta property="csp-nonce" content="${n}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${n}" href="${attr(p.styleUri)}">
<title>Run comparison</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="tl-loading">Loading runs…</p></main>
<script type="module" nonce="${n}" src="${attr(p.toolkitUri)}"></script>
<script type="module" nonce="${n}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}
