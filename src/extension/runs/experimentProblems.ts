// What a launch command shows about the experiment file it refuses: the problem's place, one click
// away, and for unknown top-level keys (ignored, so a typo such as `frezee:` would train as if it
// were not there) a way to start anyway. Commands never wait on these notifications.
import * as vscode from 'vscode';
import type { Experiment, FileDiagnostic } from '../../shared/experiment/types';
import { unknownKeys, unknownKeysMessage } from '../../shared/experiment/unknownKeys';

/** Opens the file at the problem's line and column. */
export async function revealProblem(d: FileDiagnostic): Promise<void> {
  const pos = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
  await vscode.window.showTextDocument(vscode.Uri.file(d.file), { selection: new vscode.Range(pos, pos) });
}

/**
 * Refuses a launch on an experiment with unknown keys: a warning naming each key's line and what
 * was meant, with "Start Anyway" (runs `startAnyway`) and "Open Experiment". Undefined when there
 * are none.
 */
export function refuseUnknownKeys(experiment: Experiment, what: string, startAnyway: () => unknown): { refused: string } | undefined {
  const found = unknownKeys(experiment);
  if (found.length === 0) return undefined;
  const msg = `Cannot ${what}: ${unknownKeysMessage(found, 'choose Start Anyway to train without them')}`;
  void vscode.window.showWarningMessage(msg, 'Start Anyway', 'Open Experiment').then(async (a) => {
    if (a === 'Start Anyway') await startAnyway();
    else if (a === 'Open Experiment') await revealProblem(found[0]);
  });
  return { refused: msg };
}
