// Reading a run's metrics.jsonl (see ./contract.ts) without blocking: incrementally, only the bytes
// appended since the last read, each line checked (./shapes.ts). Pure Node.
import { promises as fs } from 'node:fs';
import type { EpochMetrics } from './contract';
import { epochMetricsProblem } from './shapes';

/** A metrics.jsonl line that could not be used, with where it is and why. */
export interface RunFolderProblem {
  file: string;
  /** 1-based line. */
  line?: number;
  message: string;
}

const NEWLINE = 0x0a;
/** Bytes read per call at most, so a huge backlog is consumed in bounded steps. */
const MAX_READ = 8 * 1024 * 1024;
/** The first line (at most this many bytes) is compared on each read to notice a file rewritten in
 *  place (same inode, not shorter); it holds the first epoch's time, so a re-run differs. */
const HEAD_BYTES = 4096;

/**
 * Follows a metrics.jsonl as the trainer appends to it. Each `readNew()` reads only the bytes added
 * since the previous call and returns the complete lines among them; a torn last line (the trainer
 * is mid-write) is kept until its newline arrives. A truncated or recreated file (same path, new
 * inode, or different first bytes) is read again from the start and `generation` increases, so a
 * consumer knows to drop what it had. Lines that are not EpochMetrics are skipped and reported in `problems`.
 */
export class MetricsTail {
  /** Increases each time the file restarts (truncated, deleted, recreated). */
  generation = 0;
  /** Unusable lines seen so far (file, 1-based line, reason); capped to the last 100. */
  readonly problems: RunFolderProblem[] = [];
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private line = 0;
  private ino: number | undefined;
  /** The file's first line as last seen: a rewrite that outgrew the old size changes it. */
  private head: Buffer = Buffer.alloc(0);
  private headComplete = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** The new complete lines since the last call. Concurrent calls are serialised. */
  readNew(): Promise<EpochMetrics[]> {
    const next = this.queue.then(() => this.read());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private restart(): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.line = 0;
    this.head = Buffer.alloc(0);
    this.headComplete = false;
    this.generation++;
  }

  private async readHead(handle: import('node:fs/promises').FileHandle): Promise<void> {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, this.offset));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(NEWLINE);
    this.head = Buffer.from(buf.subarray(0, nl === -1 ? bytesRead : nl + 1));
    this.headComplete = nl !== -1 || bytesRead === HEAD_BYTES;
  }

  /** Whether the bytes at the start of the file are still the ones read before. */
  private async sameHead(handle: import('node:fs/promises').FileHandle): Promise<boolean> {
    if (this.head.length === 0) return true;
    const buf = Buffer.alloc(this.head.length);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(this.head);
  }

  private async read(): Promise<EpochMetrics[]> {
    let handle: import('node:fs/promises').FileHandle;
    try {
      handle = await fs.open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // Gone: whatever comes back under this name starts over.
      if (this.ino !== undefined || this.offset > 0) this.restart();
      this.ino = undefined;
      return [];
    }
    try {
      const st = await handle.stat();
      if (this.ino !== undefined && st.ino !== this.ino) this.restart();
      else if (st.size < this.offset) this.restart();
      else if (!(await this.sameHead(handle))) this.restart();
      this.ino = st.ino;
      const out: EpochMetrics[] = [];
      while (this.offset < st.size) {
        const want = Math.min(st.size - this.offset, MAX_READ);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buf, 0, want, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(buf.subarray(0, bytesRead), out);
      }
      if (!this.headComplete && this.offset > 0) await this.readHead(handle);
      return out;
    } finally {
      await handle.close();
    }
  }

  /** Splits on newlines at the byte level, so a multi-byte character torn across reads is intact. */
  private consume(chunk: Buffer, out: EpochMetrics[]): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      this.line++;
      const text = data.toString('utf8', start, nl).trim();
      start = nl + 1;
      if (text === '') continue;
      this.parseLine(text, out);
    }
    data = data.subarray(start);
    // Copy: `chunk` is reused by nothing, but a subarray would pin the whole read buffer.
    this.pending = Buffer.from(data);
  }

  private parseLine(text: string, out: EpochMetrics[]): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      this.report(`is not valid JSON (${(e as Error).message}); the line is skipped`);
      return;
    }
    const problem = epochMetricsProblem(parsed);
    if (problem) {
      this.report(`${problem}; the line is skipped (each line must be one EpochMetrics object)`);
      return;
    }
    out.push(parsed as EpochMetrics);
  }

  private report(message: string): void {
    this.problems.push({ file: this.file, line: this.line, message });
    if (this.problems.length > 100) this.problems.shift();
  }
}

/** One-shot read of a whole metrics.jsonl (torn last line ignored). */
export async function readMetrics(file: string): Promise<{ epochs: EpochMetrics[]; problems: RunFolderProblem[] }> {
  const tail = new MetricsTail(file);
  const epochs = await tail.readNew();
  return { epochs, problems: tail.problems };
}
