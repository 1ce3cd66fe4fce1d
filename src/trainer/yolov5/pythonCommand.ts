// Which Python runs train.py: `yolov5.python` in the experiment, else the interpreter selected in
// the Python extension (the extension host passes it as TRANSFER_LAB_PYTHON), else python3 on PATH:
// the first of the shared order (src/shared/python/pythonCandidates.ts), which YOLOv5 takes without
// transferLab.python and without the /usr/bin/python3 fallback, as before.
// Checked before spawning, so "Python missing" is a message that says where the choice came from.
import { findExecutable, isExecutableFile } from '../../shared/system/executable';
import { pythonCandidates, PythonSourceKind } from '../../shared/python/pythonCandidates';
import { UserError } from '../../shared/userError';

export { findExecutable };

export interface PythonCommand {
  command: string;
  /** Where the choice came from, for the log and for messages. */
  source: 'yolov5.python' | 'Python extension' | 'PATH';
}

export class PythonNotFoundError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'PythonNotFoundError';
  }
}

const HOW_TO_FIX =
  "Install Python 3 with YOLOv5's requirements (pip install -r requirements.txt in the YOLOv5 folder), then select that interpreter with the Python extension or set `yolov5.python:` in the experiment.";

/** A path (resolved already) or a command name, checked. */
async function check(value: string, source: PythonCommand['source'], envPath: string, where: string): Promise<PythonCommand> {
  if (/[\\/]/.test(value)) {
    if (await isExecutableFile(value)) return { command: value, source };
    throw new PythonNotFoundError(`Python not found: ${where} is ${value}, which is not an executable file. ${HOW_TO_FIX}`);
  }
  const found = await findExecutable(value, envPath);
  if (found) return { command: found, source };
  throw new PythonNotFoundError(`Python not found: ${where} is '${value}', which is not on PATH. ${HOW_TO_FIX}`);
}

const SOURCE: Partial<Record<PythonSourceKind, PythonCommand['source']>> = {
  experiment: 'yolov5.python',
  editor: 'Python extension',
  path: 'PATH',
};

/** The interpreter for a run (the first of the shared order, without transferLab.python); throws PythonNotFoundError naming the setting to fix. */
export async function resolvePython(
  configured: string | undefined,
  experimentFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonCommand> {
  const [c] = await pythonCandidates({ experiment: configured, env });
  if (!c) {
    const name = process.platform === 'win32' ? 'python' : 'python3';
    throw new PythonNotFoundError(
      `Python not found: no ${name} on PATH, no interpreter selected in the Python extension, and no yolov5.python in ${experimentFile}. ${HOW_TO_FIX}`,
    );
  }
  const where = c.kind === 'experiment' ? `yolov5.python in ${experimentFile}` : 'the interpreter selected in the Python extension';
  return check(c.python, SOURCE[c.kind]!, env.PATH ?? env.Path ?? '', where);
}
