// Reading a child's output line by line as it arrives (a `train --json` child's events, one JSON
// object per line): chunks split lines anywhere, so a partial line waits for its end.
import type { Readable } from 'node:stream';

/** Calls `each` with every '\n'-terminated line of `stream`, decoded as UTF-8, without the '\n'. */
export function onLines(stream: Readable, each: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      each(line);
    }
  });
}
