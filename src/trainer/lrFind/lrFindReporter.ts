// Where `lr-find` reports: JSON lines on stdout (one LrFindEvent each) when piped or with --json,
// for the extension host; on a terminal, a progress bar on stderr and the outcome in words.
import type { LrFindEvent } from '../../shared/lrFind/contract';
import { formatLr } from '../../shared/lrFind/lrText';

export type LrFindEmit = (e: LrFindEvent) => void;

function jsonLines(out: NodeJS.WritableStream): LrFindEmit {
  let closed = false;
  // A reader that went away must not crash the test with EPIPE: the result file is the record.
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') closed = true;
    else throw err;
  });
  return (e) => {
    if (!closed) out.write(`${JSON.stringify(e)}\n`);
  };
}

function terminal(out: NodeJS.WriteStream, err: NodeJS.WriteStream): LrFindEmit {
  let bar = false;
  const clear = (): void => {
    if (bar) err.write('\r\x1b[2K');
    bar = false;
  };
  return (e) => {
    switch (e.type) {
      case 'lrFindStart':
        out.write(`LR finder: ${e.experiment}, ${e.engine} on ${e.device}, ${e.steps} steps\n`);
        break;
      case 'lrFindStep': {
        const width = Math.max(10, Math.min(40, (err.columns ?? 80) - 50));
        const done = Math.round((e.step / e.steps) * width);
        err.write(
          `\r\x1b[2K${'█'.repeat(done)}${'░'.repeat(width - done)} ${e.step}/${e.steps} lr ${formatLr(e.lr)} loss ${e.smoothed.toFixed(4)}`,
        );
        bar = true;
        break;
      }
      case 'lrFindLog':
        clear();
        err.write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
        break;
      case 'lrFindDone':
        clear();
        out.write(e.status === 'finished' ? `result: ${e.file}\n` : `LR finder ${e.status}${e.error ? `: ${e.error}` : ''}\n`);
        break;
    }
  };
}

export function makeLrFindEmit(json: boolean): LrFindEmit {
  return json || !process.stdout.isTTY ? jsonLines(process.stdout) : terminal(process.stdout, process.stderr);
}
