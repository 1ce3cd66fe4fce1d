// One LogOutputChannel per run. A run this window started feeds its channel from the trainer's
// output as it comes; any other run (finished earlier, started before a reload, started from a
// terminal) fills it from the run's train.log, reading only the bytes added since the last look.
import * as vscode from 'vscode';
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ProgressEvent } from '../../shared/runFolder/contract';
import { describeEvent } from './describeEvent';
import { describeFileError } from '../../shared/system/fileErrors';
import { isMissing } from '../../shared/system/missingFile';

const TRAIN_LOG = 'train.log';
/** A first look at a long train.log shows its last 4 MiB. */
const MAX_LOG_READ = 4 * 1024 * 1024;

interface RunLog {
  channel: vscode.LogOutputChannel;
  /** 'piped' while this window's trainer process feeds the channel; else the bytes of
   *  train.log already shown. */
  source: 'piped' | number;
  /** The last failure to read train.log, said once rather than at every look. */
  readError?: string;
}

export class RunLogs implements vscode.Disposable {
  private readonly logs = new Map<string, RunLog>();

  private channelFor(dir: string, name: string): RunLog {
    let log = this.logs.get(dir);
    if (!log) {
      log = { channel: vscode.window.createOutputChannel(`Transfer Lab run: ${name}`, { log: true }), source: 0 };
      this.logs.set(dir, log);
    }
    return log;
  }

  /** A process this window starts: its output goes to the channel from now on. */
  attach(dir: string, name: string, headline: string): void {
    const log = this.channelFor(dir, name);
    log.source = 'piped';
    log.channel.info(headline);
  }

  event(dir: string, name: string, e: ProgressEvent): void {
    const text = describeEvent(e);
    if (text === undefined) return;
    const { channel } = this.channelFor(dir, name);
    if (e.type === 'log') {
      if (e.level === 'error') channel.error(text);
      else if (e.level === 'warn') channel.warn(text);
      else channel.info(text);
    } else if (e.type === 'batch') channel.trace(text);
    else if (e.type === 'end' && e.status === 'failed') channel.error(text);
    else channel.info(text);
  }

  text(dir: string, name: string, line: string, stream: 'stdout' | 'stderr'): void {
    const { channel } = this.channelFor(dir, name);
    if (stream === 'stderr') channel.warn(line);
    else channel.info(line);
  }

  note(dir: string, name: string, message: string, level: 'info' | 'error' = 'info'): void {
    const { channel } = this.channelFor(dir, name);
    if (level === 'error') channel.error(message);
    else channel.info(message);
  }

  /** The process ended: the pipes showed what train.log holds, later looks read what it gains. */
  async detach(dir: string): Promise<void> {
    const log = this.logs.get(dir);
    if (!log || log.source !== 'piped') return;
    log.source = await fileSize(path.join(dir, TRAIN_LOG));
  }

  /** Shows the run's log; for runs without live pipes, first appends what train.log gained. */
  async show(dir: string, name: string): Promise<void> {
    const log = this.channelFor(dir, name);
    await this.catchUpFromFile(dir, log);
    log.channel.show(true);
  }

  /** Appends train.log's new bytes to an open channel that no live pipe feeds. */
  async catchUp(dir: string): Promise<void> {
    const log = this.logs.get(dir);
    if (log) await this.catchUpFromFile(dir, log);
  }

  private async catchUpFromFile(dir: string, log: RunLog): Promise<void> {
    if (log.source === 'piped') return;
    const file = path.join(dir, TRAIN_LOG);
    let handle: import('node:fs/promises').FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      // No train.log yet: nothing to show. Any other failure goes into the channel, once.
      if (isMissing(e)) return;
      const why = `${file} cannot be read: ${describeFileError(e) ?? (e instanceof Error ? e.message : String(e))}`;
      if (log.readError !== why) log.channel.error(why);
      log.readError = why;
      return;
    }
    log.readError = undefined;
    try {
      const size = (await handle.stat()).size;
      let from = log.source;
      if (from > size) from = 0; // rewritten
      if (size - from > MAX_LOG_READ) {
        log.channel.info(`(${size - from - MAX_LOG_READ} earlier bytes of ${file} not shown)`);
        from = size - MAX_LOG_READ;
      }
      const want = size - from;
      if (want <= 0) return;
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buf, 0, want, from);
      // Whole lines only: a line the trainer is still writing waits for the next look.
      const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
      if (end === 0) return;
      log.source = from + end;
      log.channel.append(buf.toString('utf8', 0, end));
    } finally {
      await handle.close();
    }
  }

  remove(dir: string): void {
    this.logs.get(dir)?.channel.dispose();
    this.logs.delete(dir);
  }

  dispose(): void {
    for (const l of this.logs.values()) l.channel.dispose();
    this.logs.clear();
  }
}

/** Where the next catch-up starts. No train.log: from its start once it appears. Unreadable: from
 *  the start too, and that catch-up's open fails and says why in the channel. */
async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
