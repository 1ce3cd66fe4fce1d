// The Python side of the torch engine as a child process (spawned without a shell): one JSON request
// per line on its stdin, one JSON answer per line on its stdout (an epoch streams a line per batch).
// It ignores signals; the trainer tells it to stop, and closing its stdin ends it, so a trainer that
// dies (even kill -9) never leaves it running.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { UserError } from '../../shared/userError';
import { torchScript } from './scripts';

export type Reply = Record<string, unknown>;

export class TorchWorkerError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TorchWorkerError';
  }
}

export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private readonly stderrTail: string[] = [];
  private waiting?: { onLine: (r: Reply) => boolean; resolve: (r: Reply) => void; reject: (e: Error) => void };
  private exited?: string;

  constructor(python: string, env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(python, ['-u', '-B', torchScript('worker.py')], { stdio: 'pipe', env, windowsHide: true });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderrTail.push(...chunk.split('\n').filter((l) => l.trim()));
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 20));
    });
    this.child.stdin.on('error', () => undefined); // EPIPE after the worker died: reported by 'exit'
    this.child.on('error', (err) => this.fail(`could not start ${python}: ${err.message}`));
    this.child.on('exit', (code, signal) =>
      this.fail(
        `the torch worker (${python}) exited (${signal ?? `code ${code}`})` +
          (this.stderrTail.length ? `:\n${this.stderrTail.slice(-8).join('\n')}` : ''),
      ),
    );
  }

  private fail(why: string): void {
    this.exited ??= why;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(new TorchWorkerError(why));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let r: Reply;
      try {
        r = JSON.parse(line) as Reply;
      } catch {
        this.stderrTail.push(line); // a stray print from a library
        continue;
      }
      const w = this.waiting;
      if (!w) continue;
      if (typeof r.error === 'string') {
        this.waiting = undefined;
        w.reject(new TorchWorkerError(`torch engine: ${r.error}`));
      } else if (w.onLine(r)) {
        this.waiting = undefined;
        w.resolve(r);
      }
    }
  }

  /** Sends a line without waiting (the 'stop' between batches). */
  send(request: Reply): void {
    if (!this.exited) this.child.stdin.write(`${JSON.stringify(request)}\n`);
  }

  /** A request and its final answer; `onLine` sees every line and says which one is final. */
  request(request: Reply, onLine: (r: Reply) => boolean = () => true): Promise<Reply> {
    if (this.exited) return Promise.reject(new TorchWorkerError(this.exited));
    if (this.waiting) return Promise.reject(new Error('torch worker: one request at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { onLine, resolve, reject };
      this.send(request);
    });
  }

  /** Ends the worker: closes stdin (it exits on EOF). */
  close(): void {
    if (this.exited) return;
    this.send({ op: 'exit' });
    this.child.stdin.end();
  }
}
