// Runs the e2e suites (Playwright driving code-server) with Node's test runner.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VSIX_DIR_ENV } from './vsix';

const dir = path.resolve(__dirname, '..', 'e2e');
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.e2e.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .map((f) => path.join(dir, f));
// One `npm run package` for every suite that installs the .vsix (test/harness/vsix.ts).
const vsixDir = mkdtempSync(path.join(os.tmpdir(), 'tl-e2e-vsix-'));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, [VSIX_DIR_ENV]: vsixDir },
});
rmSync(vsixDir, { recursive: true, force: true });
process.exit(r.status ?? 1);
