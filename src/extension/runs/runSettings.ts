// The `transferLab.*` settings the runs feature reads, with the bounds package.json declares.
import * as vscode from 'vscode';
import type { RunSettings } from './trainerCommand';

export interface RunsConfig extends RunSettings {
  maxConcurrentRuns: number;
  stopTimeoutSeconds: number;
}

export function readRunsConfig(scope?: vscode.Uri): RunsConfig {
  const c = vscode.workspace.getConfiguration('transferLab', scope);
  const num = (key: string, fallback: number, min: number) => {
    const v = c.get<number>(key, fallback);
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, v) : fallback;
  };
  return {
    engine: c.get<string>('engine', 'auto') || 'auto',
    nodePath: c.get<string>('nodePath', '') ?? '',
    cudaVisibleDevices: c.get<string>('cudaVisibleDevices', '') ?? '',
    wasmThreads: c.get<string>('wasmThreads', 'auto') ?? 'auto',
    python: c.get<string>('python', '') ?? '',
    maxConcurrentRuns: Math.floor(num('maxConcurrentRuns', 1, 1)),
    stopTimeoutSeconds: num('stopTimeoutSeconds', 15, 1),
  };
}
