// Where Transfer Lab's part of a window's start-up goes: when this bundle began loading, when
// activate() was called and returned, when the Modules view first asked for its rows and got them.
// Written as one line to the "Transfer Lab" log (Output panel) once the rows are out — off the path
// to them — so a slow start can be told apart from VS Code's own (its extension host's log says
// when the host started and when it began activating us). The startup e2e prints these phases.
//
// extension.ts imports this module first, so `began` is taken before the rest of the bundle loads.
import * as vscode from 'vscode';

export type StartupMark = 'bundleLoaded' | 'activateCalled' | 'treeCreated' | 'activateReturned' | 'rowsAsked' | 'rowsGiven';

const began = Date.now();
const marks = new Map<StartupMark, number>();
let written = 0;
let channel: vscode.LogOutputChannel | undefined;

/** Notes the first time each phase is reached (later ones are not start-up). */
export function markStartup(name: StartupMark): void {
  if (marks.has(name)) return;
  marks.set(name, Date.now());
  // Written once the rows are out (the log channel costs a round trip of its own), and again for a
  // mark that comes later (activate() returns after the workspace search).
  if (marks.has('rowsGiven')) setTimeout(writeStartupLine, 0);
}

/** "start-up: bundle began 2026-…Z; activateCalled +12 ms, …" (ms after the bundle began), the marks not yet written. */
function startupLine(): string {
  const parts = [...marks].slice(written).map(([name, at]) => `${name} +${at - began} ms`);
  written = marks.size;
  return `start-up: bundle began ${new Date(began).toISOString()}; ${parts.join(', ')}`;
}

function writeStartupLine(): void {
  if (written === marks.size) return;
  channel ??= vscode.window.createOutputChannel('Transfer Lab', { log: true });
  channel.info(startupLine());
}

/** The log channel, for the extension's disposables (none until the line is written). */
export const startupLog: vscode.Disposable = { dispose: () => channel?.dispose() };
