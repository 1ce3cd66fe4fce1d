// The .vsix users install, built by `npm run package`. The e2e suites that install it share one
// build per e2e run: runE2e.ts names a folder (VSIX_DIR_ENV) where the first suite that needs the
// package leaves it and the next ones find it; a suite run on its own builds its own.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';

export const VSIX_DIR_ENV = 'TRANSFER_LAB_E2E_VSIX_DIR';

/** Path of the packaged extension, building it (`npm run package` in `repo`) unless this run already has. */
export function packagedVsix(repo: string): string {
  const dir = process.env[VSIX_DIR_ENV];
  const shared = dir ? path.join(dir, 'transfer-lab.vsix') : undefined;
  if (shared && existsSync(shared)) return shared;
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: repo, stdio: 'pipe' });
  const built = path.join(repo, 'transfer-lab.vsix');
  if (!shared) return built;
  copyFileSync(built, shared);
  return shared;
}
