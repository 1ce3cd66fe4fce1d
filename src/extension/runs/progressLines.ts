// The trainer's stdout under --json: one ProgressEvent per line. Chunks arrive split anywhere, so
// bytes are buffered up to the next newline; lines that are not events (a library's warning, say)
// are kept as plain text for the run log. Pure: unit-tested.
import type { ProgressEvent } from '../../shared/runs/contract';

export type TrainerLine = { kind: 'event'; event: ProgressEvent } | { kind: 'text'; text: string };

const EVENT_TYPES = new Set(['start', 'batch', 'epoch', 'log', 'end']);

export function parseTrainerLine(line: string): TrainerLine {
  const t = line.trim();
  if (t.startsWith('{')) {
    try {
      const v = JSON.parse(t) as { type?: unknown };
      if (v && typeof v === 'object' && typeof v.type === 'string' && EVENT_TYPES.has(v.type)) {
        return { kind: 'event', event: v as ProgressEvent };
      }
    } catch {
      // not JSON after all
    }
  }
  return { kind: 'text', text: line };
}

/** Splits a byte stream into lines; `push` returns the complete ones, `end` the unterminated rest. */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines = this.rest.split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    return lines.filter((l) => l.length > 0);
  }

  end(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return last.length > 0 ? [last] : [];
  }
}
