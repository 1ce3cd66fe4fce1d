// The torch engine's Python for launches of built-in experiments: the Python extension's selected
// interpreter, passed as TRANSFER_LAB_PYTHON (the trainer tries it first, then python3 on PATH;
// `transferLab.python` overrides both through trainerEnv). YOLOv5 experiments get theirs from
// yolov5/launchEnvironment.ts; a pinned tfjs engine needs no Python at all.
import * as vscode from 'vscode';
import { yolov5NamesPython } from '../../shared/yolov5/experimentTrainer';
import { PYTHON_ENV } from '../../shared/yolov5/settings';
import { readRunsConfig } from './runSettings';
import { selectedPythonInterpreter } from './yolov5/pythonInterpreter';

export async function torchLaunchEnvironment(experimentFile: string): Promise<Record<string, string>> {
  if ((await yolov5NamesPython(experimentFile)) !== undefined) return {};
  const config = readRunsConfig(vscode.Uri.file(experimentFile));
  if ((config.engine !== 'auto' && config.engine !== 'torch') || config.python?.trim()) return {};
  const python = await selectedPythonInterpreter(vscode.Uri.file(experimentFile));
  return python ? { [PYTHON_ENV]: python } : {};
}
