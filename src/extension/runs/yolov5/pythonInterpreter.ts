// The interpreter selected in the Python extension (ms-python.python), for YOLOv5 runs whose
// experiment names none: `environments.getActiveEnvironmentPath(resource)`, resolved to its
// executable. Undefined when the extension is absent, not ready in time, or answers nothing usable.
import * as vscode from 'vscode';

/** The part of the Python extension's public API used here (`@vscode/python-extension`). */
interface PythonEnvironmentsApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

function hasEnvironmentsApi(x: unknown): x is PythonEnvironmentsApi {
  const env = (x as { environments?: { getActiveEnvironmentPath?: unknown } } | undefined)?.environments;
  return typeof env?.getActiveEnvironmentPath === 'function';
}

function withTimeout<T>(p: Thenable<T>, ms: number): Promise<T | undefined> {
  return Promise.race([Promise.resolve(p), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

/** The selected interpreter's executable for `resource` (an experiment file), or undefined. */
export async function selectedPythonInterpreter(resource?: vscode.Uri, timeoutMs = 10_000): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await withTimeout(ext.activate(), timeoutMs);
    if (!hasEnvironmentsApi(api)) return undefined;
    const active = api.environments.getActiveEnvironmentPath(resource);
    // `path` is the executable, or the environment's folder for environments known by folder.
    const resolved = await withTimeout(api.environments.resolveEnvironment(active), timeoutMs);
    return resolved?.executable.uri?.fsPath ?? (active.path || undefined);
  } catch (e) {
    // The launch goes on without it (yolov5.python or the adapter's own message covers that), but
    // why the Python extension gave no interpreter goes to the extension host log.
    console.warn(
      `[transfer-lab] the Python extension did not say which interpreter is selected: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
}
