// A test file in a folder no runner looks in would stop running without a sound. Every folder under
// test/ holding *.test.ts files is either the integration suites' (found by
// test/integration/index.ts) or one of the folders `npm test` hands to node --test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function foldersWithTests(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'fixtures') foldersWithTests(path.join(dir, e.name), out);
    else if (e.isFile() && e.name.endsWith('.test.ts')) out.push(path.relative(ROOT, dir).split(path.sep).join('/'));
  }
  return [...new Set(out)];
}

test('every folder of unit tests is one npm test runs', () => {
  const runAll = readFileSync(path.join(ROOT, 'test', 'run-all.mjs'), 'utf8');
  const nodeTestFolders = [...runAll.matchAll(/'out\/(test\/[\w/]+?)\/'/g)].map((m) => m[1]);
  assert.ok(
    ['shared', 'trainer', 'extension', 'webview'].every((p) => nodeTestFolders.includes(`test/${p}`)),
    `run-all.mjs runs ${nodeTestFolders.join(', ')}`,
  );
  const unrun = foldersWithTests(path.join(ROOT, 'test')).filter((f) => f !== 'test/integration' && !nodeTestFolders.includes(f));
  assert.deepEqual(unrun, [], `test files no runner finds: ${unrun.join(', ')}`);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const f of nodeTestFolders) assert.ok(pkg.scripts['test:unit'].includes(`out/${f}/`), `npm run test:unit skips out/${f}/`);
});
