// Which Python runs train.py: `yolov5.python` in the experiment, else the interpreter selected in
// the Python extension (the extension host passes it as TRANSFER_LAB_PYTHON), else python3 on PATH.
// Checked before spawning, so "Python missing" is a message that says where the choice came from.
import { findExecutable, isExecutableFile } from '../../shared/system/executable';
import { PYTHON_ENV } from '../../shared/yolov5/settings';
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

const HOW_TO_FIX = 'Install Python 3 with YOLOv5\'s requirements (pip install -r requirements.txt in the YOLOv5 folder), then select that interpreter with the Python extension or set `yolov5.python:` in the experiment.';

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

/** The interpreter for a run; throws PythonNotFoundError naming the setting to fix. */
export async function resolvePython(configured: string | undefined, experimentFile: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonCommand> {
  const envPath = env.PATH ?? env.Path ?? '';
  if (configured) return check(configured, 'yolov5.python', envPath, `yolov5.python in ${experimentFile}`);
  const fromEditor = env[PYTHON_ENV]?.trim();
  if (fromEditor) return check(fromEditor, 'Python extension', envPath, 'the interpreter selected in the Python extension');
  const name = process.platform === 'win32' ? 'python' : 'python3';
  const found = await findExecutable(name, envPath);
  if (found) return { command: found, source: 'PATH' };
  throw new PythonNotFoundError(`Python not found: no ${name} on PATH, no interpreter selected in the Python extension, and no yolov5.python in ${experimentFile}. ${HOW_TO_FIX}`);
}
