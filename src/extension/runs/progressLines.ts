// The trainer's stdout under --json: one ProgressEvent per line. Chunks arrive split anywhere, so
// bytes are buffered up to the next newline; lines that are not events (a library's warning, say)
// are kept as plain text for the run log. Pure: unit-tested.
import type { ProgressEvent } from '../../shared/runFolder/contract';
import { parseProgressLine } from '../../shared/runFolder/progressLine';

export type TrainerLine = { kind: 'event'; event: ProgressEvent } | { kind: 'text'; text: string };

export function parseTrainerLine(line: string): TrainerLine {
  const event = parseProgressLine(line);
  return event ? { kind: 'event', event } : { kind: 'text', text: line };
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
