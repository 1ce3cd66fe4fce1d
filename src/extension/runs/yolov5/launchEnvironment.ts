// What a launch of a YOLOv5 experiment needs from the editor: the Python extension's selected
// interpreter, passed to the trainer process as TRANSFER_LAB_PYTHON (the adapter checks it and
// says so when it is missing). Experiments that name `yolov5.python`, and built-in ones, get nothing.
import * as vscode from 'vscode';
import { yolov5NamesPython } from '../../../shared/yolov5/experimentTrainer';
import { PYTHON_ENV } from '../../../shared/yolov5/settings';
import { selectedPythonInterpreter } from './pythonInterpreter';

export async function yolov5LaunchEnvironment(experimentFile: string): Promise<Record<string, string>> {
  const namesPython = await yolov5NamesPython(experimentFile);
  if (namesPython !== false) return {};
  const python = await selectedPythonInterpreter(vscode.Uri.file(experimentFile));
  return python ? { [PYTHON_ENV]: python } : {};
}
