// How a sweep reports progress: the runs' own events plus the sweep's (sweep-start, sweep-run,
// sweep-end). Two forms: JSON lines for a parent process (the extension, `slurm`), a progress bar for
// a terminal. Shared by the local `sweep` and the Slurm CLI, which report the same events.
import type { SweepEvent } from '../sweep/events';
import { formatFreeze } from '../../shared/freezeText';
import { TtyReporter } from './progress';
import type { ProgressEvent } from '../../shared/runFolder/contract';

/** Progress of a sweep: the runs' own events plus the sweep's. */
export interface SweepProgress {
  run(e: ProgressEvent): void;
  sweep(e: SweepEvent): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  close(): void;
}

/** Not a terminal: every event as one JSON line (on stderr, so stdout holds only the table). */
export class JsonLinesSweepProgress implements SweepProgress {
  private closed = false;
  /** The sweep's own log lines carry its name once it is known. */
  private name = '';

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
  }

  private write(e: object): void {
    if (!this.closed) this.stream.write(`${JSON.stringify(e)}\n`);
  }

  run(e: ProgressEvent): void {
    this.write(e);
  }

  sweep(e: SweepEvent): void {
    this.name = e.sweep;
    this.write(e);
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.write({ type: 'log', run: this.name, level, message } satisfies ProgressEvent);
  }

  close(): void {
    // flushed by Node before exit
  }
}

/** A terminal: the `train` progress bar and epoch lines on stderr, one header line per run. */
export class TtySweepProgress implements SweepProgress {
  private readonly tty: TtyReporter;

  constructor(private readonly err: NodeJS.WriteStream) {
    this.tty = new TtyReporter(err, err);
  }

  run(e: ProgressEvent): void {
    // The runs' own info lines (engine probes, data, cache…) are in their train.log.
    if (e.type === 'log' && e.level === 'info') return;
    this.tty.event(e);
  }

  sweep(e: SweepEvent): void {
    this.tty.close();
    if (e.type === 'sweep-run') {
      const what = e.role === 'pretrain' ? 'pretraining' : `freeze ${formatFreeze(e.freeze)}`;
      this.err.write(`\n[${e.index}/${e.of}] ${e.run} (${what})\n`);
    } else if (e.type === 'sweep-start') {
      this.err.write(
        `sweep ${e.sweep}: ${e.runs.length} runs into ${e.runsDir}${e.pretrain ? `, after pretraining run ${e.pretrain.run}` : ''}\n`,
      );
    }
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.tty.event({ type: 'log', run: '', level, message });
  }

  close(): void {
    this.tty.close();
  }
}
