// Finding an executable without a shell: a path checked for the execute bit, or a name looked up
// on PATH as a shell would. Shared by the trainer (YOLOv5's and the torch engine's Python) and the
// host (the Python that inspects torchvision models for the Modules view).
import { access, constants, stat } from 'node:fs/promises';
import * as path from 'node:path';

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `envPath`. */
export async function findExecutable(name: string, envPath: string): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of envPath.split(path.delimiter).filter((d) => d.length > 0)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}
