// Spawning the built CLI (dist/trainer.js, from `npm run compile`) the way the extension host does.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ProgressEvent } from '../../src/shared/runFolder/contract';
import { onLines } from '../../src/trainer/cli/streamLines';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const TRAINER = path.join(ROOT, 'dist', 'trainer.js');

export function requireBuiltTrainer(): void {
  if (!existsSync(TRAINER)) throw new Error(`${TRAINER} is missing: run npm run compile first`);
}

/**
 * The trainer tests pin the wasm engine (their figures and log lines are the tfjs ones), unless the
 * caller or the environment picks one: `auto` would take torch wherever PyTorch is installed. The
 * torch engine has its own tests (torch*.test.ts), which set TRANSFER_LAB_ENGINE=torch.
 */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { TRANSFER_LAB_ENGINE: 'wasm', ...process.env, ...env };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: ProgressEvent[];
  stdout: string;
  stderr: string;
}

function parseEvents(stdout: string): ProgressEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProgressEvent);
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  requireBuiltTrainer();
  const r = spawnSync(process.execPath, [TRAINER, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: cliEnv(opts.env),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, events: parseEvents(r.stdout) };
}

/** Starts the CLI and resolves events as they arrive; `until` decides when to act on the child. */
export function startCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): {
  child: ChildProcess;
  events: ProgressEvent[];
  waitFor(pred: (e: ProgressEvent) => boolean, timeoutMs?: number): Promise<ProgressEvent>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  requireBuiltTrainer();
  const child = spawn(process.execPath, [TRAINER, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ProgressEvent[] = [];
  const waiters: Array<{ pred: (e: ProgressEvent) => boolean; resolve: (e: ProgressEvent) => void }> = [];
  let stderr = '';
  onLines(child.stdout!, (line) => {
    if (!line.startsWith('{')) return;
    const e = JSON.parse(line) as ProgressEvent;
    events.push(e);
    for (const w of [...waiters])
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  const waitFor = (pred: (e: ProgressEvent) => boolean, timeoutMs = 30_000): Promise<ProgressEvent> => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for an event; stderr: ${stderr.slice(-500)}`)), timeoutMs);
      waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
      void exit.then(() => setTimeout(() => reject(new Error(`trainer exited before the event; stderr: ${stderr.slice(-500)}`)), 50));
    });
  };
  return { child, events, waitFor, exit };
}
