// Pieces both followers of Slurm runs share (the extension host's and `transfer-lab … --slurm`):
// polling with back-off, reading a job's output file as it grows, and the run record written once
// the job has ended.
import { open } from 'node:fs/promises';
import type { RunRecord } from '../runFolder/contract';
import type { JobInfo } from './client';
import type { RunOutcome } from './jobState';

/** Poll soon after something happened, then less and less often while nothing changes. */
export class Backoff {
  private delay: number;

  constructor(
    private readonly minMs = 1_000,
    private readonly maxMs = 15_000,
    private readonly factor = 1.6,
  ) {
    this.delay = minMs;
  }

  /** The wait before the next poll: back to the minimum after a change, longer after none. */
  next(changed: boolean): number {
    this.delay = changed ? this.minMs : Math.min(this.maxMs, Math.round(this.delay * this.factor));
    return this.delay;
  }

  reset(): void {
    this.delay = this.minMs;
  }
}

/** The complete lines a growing file gained since the last read. */
export class OutputTail {
  private offset = 0;
  private rest = '';
  private started = false;

  /** `fromTail`: start at most this many bytes before the current end (a long log reattached). */
  constructor(
    readonly file: string,
    private readonly fromTail?: number,
  ) {}

  async read(): Promise<string[]> {
    let handle: import('node:fs/promises').FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return []; // not created yet (pending job) or not visible from here yet
    }
    try {
      const size = (await handle.stat()).size;
      if (!this.started) {
        this.started = true;
        if (this.fromTail !== undefined && size > this.fromTail) {
          this.offset = size - this.fromTail;
          this.rest = '';
          const lines = await this.readFrom(handle, size);
          return lines.slice(1); // the first is most likely cut
        }
      }
      if (size < this.offset) {
        this.offset = 0;
        this.rest = '';
      }
      return await this.readFrom(handle, size);
    } finally {
      await handle.close();
    }
  }

  private async readFrom(handle: import('node:fs/promises').FileHandle, size: number): Promise<string[]> {
    const want = size - this.offset;
    if (want <= 0) return [];
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(buf, 0, want, this.offset);
    this.offset += bytesRead;
    const text = this.rest + buf.toString('utf8', 0, bytesRead);
    const lines = text.split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l.length > 0);
  }

  /** What is left after the last newline (a last line without one, once the job has ended). */
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}

/** The last `max` lines of a file (for messages about a job that died before the trainer ran). */
export async function lastLines(file: string, max = 5, maxBytes = 16_384): Promise<string | undefined> {
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await handle.stat()).size;
    const from = Math.max(0, size - maxBytes);
    const buf = Buffer.allocUnsafe(size - from);
    const { bytesRead } = await handle.read(buf, 0, size - from, from);
    // Event lines are the trainer's; the interesting ones here are the shell's and Slurm's.
    const lines = buf
      .toString('utf8', 0, bytesRead)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('{'));
    return lines.slice(-max).join('\n') || undefined;
  } finally {
    await handle.close();
  }
}

/** run.json once the job has ended: the outcome, and the scheduler's last word on the job. */
export function finalRecord(record: RunRecord, jobId: string, info: JobInfo | undefined, outcome: RunOutcome, now = new Date()): RunRecord {
  const prev = record.executor?.kind === 'slurm' ? record.executor : undefined;
  const out: RunRecord = {
    ...record,
    status: outcome.status,
    endedAt: record.status === outcome.status && record.endedAt ? record.endedAt : now.toISOString(),
    executor: {
      kind: 'slurm',
      jobId,
      state: info?.state ?? prev?.state ?? 'UNKNOWN',
      ...(info?.reason && info.reason !== 'None' ? { reason: info.reason } : {}),
      ...((info?.node ?? prev?.node) ? { node: info?.node ?? prev?.node } : {}),
    },
  };
  if (outcome.message) out.error = outcome.message;
  else if (outcome.status !== 'failed') delete out.error;
  return out;
}
