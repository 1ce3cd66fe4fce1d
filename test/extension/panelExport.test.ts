import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { exportBytes, exportFileName } from '../../src/extension/panel/exportFile';
import { buildPanelHtml, contentSecurityPolicy, makeNonce } from '../../src/extension/panel/panelHtml';

test('export file names are safe and say what they hold', () => {
  assert.equal(exportFileName('chart-accuracy', 'png'), 'transfer-lab-chart-accuracy.png');
  assert.equal(exportFileName('../../etc/passwd', 'csv'), 'transfer-lab-etc-passwd.csv');
  assert.equal(exportFileName('///', 'svg'), 'transfer-lab-export.svg');
});

test('a PNG data URL decodes to the PNG bytes; anything else is refused', () => {
  const png = new PNG({ width: 2, height: 1 });
  const bytes = PNG.sync.write(png);
  const out = exportBytes('png', `data:image/png;base64,${bytes.toString('base64')}`);
  assert.deepEqual(Buffer.from(out), bytes);
  assert.throws(() => exportBytes('png', 'data:image/png;base64,aGVsbG8='), /does not decode to a PNG/);
  assert.throws(() => exportBytes('png', 'data:image/jpeg;base64,AAAA'), /not a PNG data URL/);
  assert.throws(() => exportBytes('svg', '<html><script>'), /not an SVG document/);
  assert.equal(new TextDecoder().decode(exportBytes('csv', 'a,b\r\n')), 'a,b\r\n');
  assert.ok(exportBytes('svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>').length > 0);
});

test('the panel page: strict CSP with a nonce, scripts and styles only from the extension', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
  assert.notEqual(makeNonce(), nonce);
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', nonce);
  assert.equal(
    csp,
    `default-src 'none'; script-src https://x.vscode-cdn.net 'nonce-${nonce}'; style-src https://x.vscode-cdn.net 'nonce-${nonce}'; font-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data:`,
  );
  const html = buildPanelHtml({
    cspSource: 'https://x.vscode-cdn.net',
    nonce,
    scriptUri: 'https://x/dist/webview.js',
    styleUri: 'https://x/dist/webview.css',
    toolkitUri: 'https://x/dist/toolkit.min.js',
  });
  assert.ok(html.includes(`<meta property="csp-nonce" content="${nonce}">`));
  assert.ok(!/unsafe-(inline|eval)/.test(html));
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 2);
  for (const s of scripts) {
    assert.ok(s.includes(`nonce="${nonce}"`) && s.includes('type="module"'), s);
  }
  assert.ok(html.indexOf('toolkit.min.js') < html.indexOf('webview.js'), 'the toolkit registers its elements before the panel script runs');
  assert.ok(!/<style>|style="/.test(html), 'no inline styles');
});
