// One trainer process: spawned without a shell as the leader of its own process group (so a stop
// reaches everything it starts), its stdout read as ProgressEvent lines, its stderr as text.
import { spawn, ChildProcess } from 'node:child_process';
import type { ProgressEvent } from '../../shared/runFolder/contract';
import { LineSplitter, parseTrainerLine } from './progressLines';

export interface TrainerProcessHandlers {
  onEvent(event: ProgressEvent): void;
  /** A line that is not an event: from stdout (a library's notice) or stderr. */
  onText(line: string, stream: 'stdout' | 'stderr'): void;
  /** The process ended; `error` when it could not be started at all. */
  onExit(result: TrainerExit): void;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn failure (missing runtime, bad cwd). */
  error?: Error;
}

export interface TrainerSpawn {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(spec: TrainerSpawn, handlers: TrainerProcessHandlers) {
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      shell: false,
      // Own process group on POSIX: signalling -pid reaches grandchildren too.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out = new LineSplitter();
    const err = new LineSplitter();
    const onOut = (lines: string[]) => {
      for (const l of lines) {
        const parsed = parseTrainerLine(l);
        if (parsed.kind === 'event') handlers.onEvent(parsed.event);
        else handlers.onText(parsed.text, 'stdout');
      }
    };
    this.child.stdout!.on('data', (d: Buffer) => onOut(out.push(d)));
    this.child.stderr!.on('data', (d: Buffer) => {
      for (const l of err.push(d)) handlers.onText(l, 'stderr');
    });
    let spawnError: Error | undefined;
    this.child.on('error', (e) => {
      spawnError = e;
      // 'close' does not follow a failed spawn.
      if (this.child.pid === undefined) this.finish(handlers, { code: null, signal: null, error: e });
    });
    // 'close' fires after the pipes are drained, so every event line has been seen.
    this.child.on('close', (code, signal) => {
      onOut(out.end());
      for (const l of err.end()) handlers.onText(l, 'stderr');
      this.finish(handlers, { code, signal, error: spawnError });
    });
  }

  private finish(handlers: TrainerProcessHandlers, result: TrainerExit): void {
    if (this.exited) return;
    this.exited = true;
    handlers.onExit(result);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }
}
