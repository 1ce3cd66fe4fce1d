// Where the torch engine's Python files are: next to the bundle (dist/torch/, shipped in the .vsix),
// else in the source tree (tests run the TypeScript output in out/, which holds no .py files).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export function torchScript(name: 'worker.py' | 'probe.py'): string {
  const candidates = [path.join(__dirname, 'torch', name), path.join(__dirname, name)];
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) candidates.push(path.join(dir, 'src', 'trainer', 'torch', name));
  const found = candidates.find((f) => existsSync(f));
  if (!found)
    throw new Error(
      `${name} of the torch engine is missing (looked in ${candidates.slice(0, 2).join(', ')}); rebuild with npm run compile`,
    );
  return found;
}
