// Wires YOLOv5 projects into the extension host: the `trainer:` and `yolov5:` experiment sections
// (validated with their lines in the editor, `data:` optional for YOLOv5 experiments) and the
// Python interpreter for launches. Everything else — Start Run, Start Freeze Sweep, Stop, Resume,
// the Runs view and the comparison panel — is the runs capability's, unchanged: the trainer process
// hands `trainer: yolov5` experiments to YOLOv5's train.py behind the same run record.
import * as vscode from 'vscode';
import { yolov5LaunchEnvironment } from './launchEnvironment';

/** What the runs manager offers for launch-time environment (RunsManager.addLaunchEnvironment). */
export interface LaunchEnvironmentHost {
  addLaunchEnvironment(provider: (experimentFile: string) => Promise<Record<string, string>>): vscode.Disposable;
}

export function registerYolov5(runs: LaunchEnvironmentHost): vscode.Disposable {
  return runs.addLaunchEnvironment(yolov5LaunchEnvironment);
}
