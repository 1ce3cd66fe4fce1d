// Optional engines (tfjs-node, tfjs-node-gpu, webgpu) are not bundled: they are looked up at run time,
// first in the workspace (the folder the trainer runs in), then next to the extension itself.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ResolvedModule {
  name: string;
  /** Absolute path of the module's entry file. */
  file: string;
  from: 'workspace' | 'extension';
}

function requireFrom(dir: string): NodeJS.Require {
  return createRequire(path.join(dir, '__transfer_lab_resolve__.js'));
}

/** Where `name` would be loaded from, or undefined when it is installed in neither place. */
export function resolveOptional(name: string, cwd = process.cwd()): ResolvedModule | undefined {
  const places: Array<[ResolvedModule['from'], NodeJS.Require]> = [
    ['workspace', requireFrom(cwd)],
    ['extension', createRequire(__filename)],
  ];
  for (const [from, req] of places) {
    try {
      return { name, file: req.resolve(name), from };
    } catch {
      // not installed there: try the next place
    }
  }
  return undefined;
}

/** The package folder of a resolved module (the nearest folder holding its package.json). */
export function packageDir(mod: ResolvedModule): string {
  const marker = `${path.sep}node_modules${path.sep}${mod.name.split('/').join(path.sep)}${path.sep}`;
  const i = mod.file.lastIndexOf(marker);
  return i >= 0 ? mod.file.slice(0, i + marker.length - 1) : path.dirname(mod.file);
}

// Kept out of TypeScript's and esbuild's reach: both would turn `import()` into `require()` for CommonJS.
const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** Loads a resolved module: CommonJS via require, ES modules via require (Node >= 20.19) or import(). */
export async function loadModule<T>(mod: ResolvedModule): Promise<T> {
  const req = createRequire(mod.file);
  try {
    return req(mod.file) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw err;
    return (await dynamicImport(pathToFileURL(mod.file).href)) as T;
  }
}
