// Decoding threads for the streamed image loader: one or two worker_threads (see decodeThreads)
// decode batches while the main thread trains. Jobs queue here in the order asked; each thread takes
// one batch at a time. Threads start on the first job (an MNIST run starts none) and do not keep the
// process alive while idle.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DecodedRows } from './decodeImage';

/** The worker's file name, next to the trainer bundle (dist/) or the compiled module (out/, tests). */
export const DECODE_WORKER = 'decodeWorker.js';

export interface DecodeRequest {
  id: number;
  files: string[];
  size: number;
  channels: 1 | 3;
}

export type DecodeReply = { id: number } & (DecodedRows | { error: string });

interface Job {
  request: DecodeRequest;
  resolve: (r: DecodedRows) => void;
  reject: (e: Error) => void;
}

/** Threads for decoding: one when the run has 2 CPUs or fewer (the other trains), else two. */
export function decodeThreads(cpus: number): number {
  return cpus <= 2 ? 1 : 2;
}

export class DecodePool {
  private readonly idle: Worker[] = [];
  private readonly jobs = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private started = 0;
  private nextId = 1;
  private broken?: Error;
  private closing = false;

  constructor(
    private readonly threads: number,
    private readonly script = path.join(__dirname, DECODE_WORKER),
  ) {}

  decode(files: string[], size: number, channels: 1 | 3): Promise<DecodedRows> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, files, size, channels }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? this.start();
      if (!worker) return;
      const job = this.queue.shift()!;
      this.jobs.set(worker, job);
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private start(): Worker | undefined {
    if (this.started >= this.threads) return undefined;
    if (!existsSync(this.script)) throw new Error(`the image decoding thread ${this.script} is missing: rebuild with npm run compile`);
    this.started++;
    const worker = new Worker(this.script);
    worker.on('message', (r: DecodeReply) => {
      // A reply already on its way when close() began: its job was rejected there, and the thread,
      // being terminated, must stay referenced until it has exited (see close).
      if (this.closing) return;
      const job = this.jobs.get(worker);
      this.jobs.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job) {
        if ('error' in r) job.reject(new Error(r.error));
        else job.resolve({ rows: r.rows, ok: r.ok, failed: r.failed });
      }
      this.dispatch();
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the image decoding thread exited (code ${code})`)));
    return worker;
  }

  /** A thread that died takes the pool with it: every waiting batch fails with its reason. */
  private fail(worker: Worker, err: Error): void {
    this.broken ??= err;
    const job = this.jobs.get(worker);
    this.jobs.delete(worker);
    job?.reject(err);
    for (const j of this.queue.splice(0)) j.reject(err);
  }

  /** Ends the threads; batches still waiting (a prefetch the run no longer wants) fail. Every thread
   *  is referenced until it has exited: an idle (unreferenced) thread being terminated does not keep
   *  the event loop alive, so `await close()` could otherwise be the last thing pending and Node
   *  would exit (code 0) before the caller's next line, e.g. before the run's final run.json. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Error('the image decoding threads were closed');
    this.broken ??= closed;
    for (const j of [...this.jobs.values(), ...this.queue.splice(0)]) j.reject(closed);
    const workers = [...this.idle, ...this.jobs.keys()];
    this.idle.length = 0;
    this.jobs.clear();
    for (const w of workers) w.ref();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
