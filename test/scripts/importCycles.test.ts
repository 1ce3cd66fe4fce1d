// scripts/import-cycles.mjs, which `npm run lint` runs: it fails on a cycle of relative imports
// under src/ and webview/ (type imports included), and on a src/shared/ file fewer than two
// processes run; the repository has neither.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/import-cycles.mjs');

function check(root: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'import-cycles-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

test('a cycle through a type import, across folders, fails the check and names its files', (t) => {
  const dir = tree({
    'src/shared/a.ts': "import { b } from '../trainer/b';\nexport const a = b + 1;\n",
    'src/trainer/b.ts': "import type { C } from './c';\nexport const b = 1 as C;\n",
    'src/trainer/c.ts': "import type { a } from '../shared/a';\nexport type C = typeof a;\n",
    'webview/d.ts': "import { a } from '../src/shared/a';\nexport const d = a;\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /import cycle: src\/shared\/a\.ts <-> src\/trainer\/b\.ts <-> src\/trainer\/c\.ts\n/);
  assert.doesNotMatch(r.stderr, /webview\/d\.ts/);
});

test('imports that only go one way pass, and a commented-out import does not count', (t) => {
  const dir = tree({
    'src/a.ts': "import { b } from './b';\nexport const a = b;\n",
    'src/b.ts': "// import { a } from './a';\nexport const b = 1;\n",
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(check(dir), { status: 0, stderr: '' });
});

test('a src/shared/ file only one process runs fails the check, naming the process; one two run passes', (t) => {
  const dir = tree({
    'src/extension/extension.ts': "import { both } from '../shared/both';\nexport const e = both;\n",
    'src/trainer/main.ts':
      "import { both } from '../shared/both';\nimport { mine } from '../shared/trainerOnly';\nexport const m = both + mine;\n",
    'webview/main.ts': 'export const w = 1;\n',
    'src/shared/both.ts': 'export const both = 1;\n',
    'src/shared/trainerOnly.ts': 'export const mine = 2;\n',
    'src/shared/nobody.ts': 'export const n = 3;\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = check(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /src\/shared\/trainerOnly\.ts is in src\/shared\/ but only the trainer runs it/);
  assert.match(r.stderr, /src\/shared\/nobody\.ts is in src\/shared\/ but no process runs it/);
  assert.doesNotMatch(r.stderr, /both\.ts/);
});

test('the repository has no import cycles', () => {
  const r = check(ROOT);
  assert.equal(r.status, 0, r.stderr);
});
