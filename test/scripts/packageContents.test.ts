// The .vsix holds every file the extension refers to. The e2e suites load the extension from the
// source folder, where every built file exists; only a user of the packaged extension sees what
// .vscodeignore left out (the panel once shipped without dist/webview.css). The references are read
// from the manifest and from the panel's own HTML, so a new one is checked without editing this test.
// Needs `npm run compile` (vsce lists files that exist).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildPanelHtml, panelAssetUris } from '../../src/extension/panel/panelHtml';
import { INSPECT_SCRIPT } from '../../src/shared/torchvision/inspect';
import { DECODE_WORKER } from '../../src/trainer/data/decodePool';

const REPO = path.resolve(__dirname, '..', '..', '..');
const VSCE = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
const ORIGIN = 'https://extension.test';

/** What `vsce ls` says the .vsix holds (as `npm run package` builds it: no dependencies). */
function packagedFiles(): Set<string> {
  const out = execFileSync(process.execPath, [VSCE, 'ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8' });
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/** Manifest fields that name development files or packages, not files of the extension. */
const NOT_PACKAGED = new Set(['scripts', 'devDependencies', 'dependencies', 'optionalDependencies', 'allowScripts', 'engines']);
/** A relative file path: folders and a name, no spaces, no scheme (`./dist/extension.js`, `media/x.svg`). */
const RELATIVE_FILE = /^(\.\/)?[\w@-][\w.@-]*(\/[\w.@-]+)+$/;

/** Every string in the manifest that names a file of the extension, with the JSON path it sits at. */
function manifestReferences(): Map<string, string> {
  const refs = new Map<string, string>();
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'string') {
      if (RELATIVE_FILE.test(v)) refs.set(path.posix.normalize(v), `package.json ${at}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (at !== '' || !NOT_PACKAGED.has(k)) walk(x, at ? `${at}.${k}` : k);
    }
  };
  walk(JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')), '');
  return refs;
}

/** Every file the comparison panel's page loads, and what its stylesheets load in turn (url()). */
function panelReferences(): Map<string, string> {
  const html = buildPanelHtml({ cspSource: ORIGIN, nonce: 'n', ...panelAssetUris((p) => `${ORIGIN}/${p}`) });
  const refs = new Map<string, string>();
  for (const [, attr, url] of html.matchAll(/\b(src|href)="([^"]*)"/g)) {
    assert.ok(url.startsWith(`${ORIGIN}/`), `the panel's page loads ${url}, which is not a file of the extension`);
    refs.set(url.slice(ORIGIN.length + 1), `the panel's HTML (${attr}, src/extension/panel/panelHtml.ts)`);
  }
  for (const [file] of [...refs]) {
    if (!file.endsWith('.css') || !existsSync(path.join(REPO, file))) continue;
    for (const [, url] of readFileSync(path.join(REPO, file), 'utf8').matchAll(/url\(\s*['"]?([^'")]+)/g)) {
      if (!/^(data|https?):/.test(url)) refs.set(path.posix.join(path.posix.dirname(file), url.split(/[?#]/)[0]), `url() in ${file}`);
    }
  }
  return refs;
}

function assertPackaged(refs: Map<string, string>, packaged: Set<string>): void {
  for (const [file, where] of refs) {
    const hint = existsSync(path.join(REPO, file)) ? `add !${file} to .vscodeignore` : 'it does not exist: run `npm run compile` first';
    assert.ok(packaged.has(file), `${file}, referenced by ${where}, is not in the .vsix (vsce ls): ${hint}`);
  }
}

const packaged = packagedFiles();

test('every file the manifest names is in the .vsix', () => {
  const refs = manifestReferences();
  // The derivation itself found what it must: the entry point and the activity bar icon.
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    main: string;
    contributes: { viewsContainers: { activitybar: Array<{ icon: string }> } };
  };
  assert.ok(refs.has(path.posix.normalize(manifest.main)), [...refs.keys()].join(', '));
  assert.ok(refs.has(manifest.contributes.viewsContainers.activitybar[0].icon), [...refs.keys()].join(', '));
  assertPackaged(refs, packaged);
});

test("every file the comparison panel's page loads is in the .vsix", () => {
  const refs = panelReferences();
  assert.ok(refs.size >= 3, `the panel's HTML loads ${[...refs.keys()].join(', ')}`);
  assertPackaged(refs, packaged);
});

test('the torchvision inspection script is in the .vsix, where the built extension looks for it', () => {
  assertPackaged(
    new Map([[INSPECT_SCRIPT, 'src/shared/torchvision/inspect.ts (run with the Python that inspects torchvision models)']]),
    packaged,
  );
});

test("the torch engine's Python files are in the .vsix, as the trainer bundle looks for them (dist/torch/)", () => {
  const sources = readdirSync(path.join(REPO, 'src', 'trainer', 'torch')).filter((f) => f.endsWith('.py'));
  assert.ok(sources.includes('worker.py') && sources.includes('probe.py'), sources.join(', '));
  assertPackaged(new Map(sources.map((f) => [`dist/torch/${f}`, 'src/trainer/torch/scripts.ts (torchScript)'])), packaged);
});

test('the image decoding thread is in the .vsix, next to the trainer bundle that starts it', () => {
  assertPackaged(new Map([[`dist/${DECODE_WORKER}`, 'src/trainer/data/decodePool.ts (DecodePool)']]), packaged);
});
