// Where progress goes: JSON lines on stdout (one ProgressEvent each) when stdout is piped or with
// --json, for the extension host and scripts; on a terminal, a progress bar on stderr and one
// summary line per epoch on stdout.
import type { EpochMetrics, ProgressEvent } from '../../shared/runFolder/contract';

export interface Reporter {
  event(e: ProgressEvent): void;
  close(): void;
}

export class JsonLinesReporter implements Reporter {
  private closed = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    // A reader that goes away (the extension host reloading) must not kill the run: the run
    // folder stays the record, so writes to a closed pipe are dropped.
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
  }

  event(e: ProgressEvent): void {
    if (!this.closed) this.out.write(`${JSON.stringify(e)}\n`);
  }

  close(): void {
    // stdout is flushed by Node before exit
  }
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 1048576).toFixed(0)}MB`;
}

export class TtyReporter implements Reporter {
  private barShown = false;
  private epochs = 0;
  private started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  private clearBar(): void {
    if (this.barShown) this.err.write('\r\x1b[2K');
    this.barShown = false;
  }

  event(e: ProgressEvent): void {
    switch (e.type) {
      case 'start':
        this.epochs = e.epochs;
        this.started = Date.now();
        this.out.write(
          `${e.run}: ${e.engine} on ${e.device}, ${e.trainableParams.toLocaleString('en-US')} of ${e.totalParams.toLocaleString('en-US')} parameters trainable\n`,
        );
        this.out.write(
          `${'epoch'.padStart(9)} ${'train/loss'.padStart(10)} ${'val/loss'.padStart(9)} ${'val/acc'.padStart(8)} ${'img/s'.padStart(8)} ${'sec'.padStart(6)} ${'peak'.padStart(7)}\n`,
        );
        break;
      case 'batch': {
        const width = Math.max(10, Math.min(40, (this.err.columns ?? 80) - 50));
        const done = Math.round((e.batch / e.batches) * width);
        const bar = `${'█'.repeat(done)}${'░'.repeat(width - done)}`;
        this.err.write(
          `\r\x1b[2K${e.epoch}/${this.epochs} ${bar} ${e.batch}/${e.batches} loss ${fmt(e.loss)} ${((Date.now() - this.started) / 1000).toFixed(0)}s`,
        );
        this.barShown = true;
        break;
      }
      case 'epoch': {
        this.clearBar();
        const m: EpochMetrics = e.metrics;
        this.out.write(
          `${`${m.epoch}/${this.epochs}`.padStart(9)} ${fmt(m['train/loss']).padStart(10)} ${fmt(m['val/loss']).padStart(9)} ${fmt(m['val/accuracy']).padStart(8)} ` +
            `${fmt(m.images_per_second, 0).padStart(8)} ${fmt(m.epoch_seconds, 1).padStart(6)} ${mb(m.peak_tensor_bytes).padStart(7)}\n`,
        );
        break;
      }
      case 'log':
        this.clearBar();
        this.err.write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
        break;
      case 'end':
        this.clearBar();
        this.out.write(`${e.run}: ${e.status}${e.error ? ` (${e.error})` : ''}\n`);
        break;
    }
  }

  close(): void {
    this.clearBar();
  }
}

export function makeReporter(json: boolean): Reporter {
  return json || !process.stdout.isTTY ? new JsonLinesReporter() : new TtyReporter();
}
