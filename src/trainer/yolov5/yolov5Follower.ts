// Follows one train.py process while it trains: its terminal output (progress bars, the device line,
// epoch headers) to train.log and to batch events; its results.csv as YOLOv5 appends it, each new row
// recorded as an epoch with the wall time and the memory / GPU use sampled meanwhile; stop signals
// forwarded as Ctrl+C would; and how it ended. Split from trainWithYolov5.ts, which prepares and
// starts the run, because following a live process is a job of its own.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { errorMessage } from '../run/recordFailure';
import type { StopRequests } from '../run/stopRequests';
import { describeYolov5Epoch, epochMetricsFromRow, epochNumber } from './epochMetrics';
import { ResultsCsvTail, type ResultsRow } from './resultsCsv';
import { failureMessage, isEpochHeader, LineTail, parseDeviceLine, parseTrainProgress, TerminalLines } from './trainOutput';
import type { Reporter } from '../cli/progress';
import { RunUsage } from './runUsage';
import type { Yolov5RunFolder } from './yolov5RunFolder';
import type { RunStatus } from '../../shared/runFolder/contract';

/** How train.py ended, as the run records it. */
export interface Outcome {
  status: RunStatus;
  error?: string;
}

/** What the follower reads from the train options (Yolov5TrainOptions has these fields). */
export interface FollowOptions {
  reporter: Reporter;
  /** Environment of train.py; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** How often results.csv and opt.yaml are read, and GPU/memory sampled (ms). */
  pollMs?: number;
  sampleMs?: number;
}

/** Follows one train.py process: its output, its results.csv, its resource use. */
export class Yolov5Follower {
  private readonly tail: ResultsCsvTail;
  private readonly usage?: RunUsage;
  private readonly output = new LineTail(60);
  private readonly spawnedAt = Date.now();
  private epochs?: number;
  private started = false;
  private device?: string;
  private lastRowAt?: number;
  private pendingHeaderAt?: number;
  private readonly epochStart = new Map<number, number>();
  private lastBatchAt = 0;
  private reading: Promise<void> = Promise.resolve();
  private readonly recordedBefore: number;
  /** Epoch headers train.py printed, and rows recorded, by this process. */
  private epochsBegun = 0;
  private epochsRecorded = 0;

  constructor(
    private readonly run: Yolov5RunFolder,
    private readonly o: FollowOptions,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void,
    pid: number | undefined,
  ) {
    this.tail = new ResultsCsvTail(run.resultsCsv);
    this.epochs = run.record.epochs;
    this.recordedBefore = run.lastEpoch;
    if (pid !== undefined) this.usage = new RunUsage(pid, o.sampleMs ?? 2000, o.env ?? process.env);
  }

  follow(child: ChildProcess, stop: StopRequests): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let spawnError: Error | undefined;
      const streams = { stdout: new TerminalLines(), stderr: new TerminalLines() };
      const onChunk = (parts: { updates: string[]; lines: string[] }) => {
        for (const u of parts.updates) this.onUpdate(u);
        for (const l of parts.lines) this.onLine(l);
      };
      child.stdout!.on('data', (d: Buffer) => onChunk(streams.stdout.push(d)));
      child.stderr!.on('data', (d: Buffer) => onChunk(streams.stderr.push(d)));
      const poll = setInterval(() => this.schedulePoll(), this.o.pollMs ?? 500);
      this.usage?.start();
      let escalation: ReturnType<typeof setTimeout> | undefined;
      stop.forward = (sig, count) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (count === 1) {
          // A group signal reached train.py already; one sent to this process alone did not.
          if (sig === 'SIGTERM') child.kill('SIGINT');
          else escalation = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGINT'), 5000);
        } else child.kill(count === 2 ? 'SIGTERM' : 'SIGKILL');
      };
      child.on('error', (e) => {
        spawnError = e;
        if (child.pid === undefined) finish(null, null);
      });
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        clearInterval(poll);
        if (escalation) clearTimeout(escalation);
        stop.forward = undefined;
        this.usage?.stop();
        onChunk(streams.stdout.end());
        onChunk(streams.stderr.end());
        this.schedulePoll();
        void this.reading.then(() => {
          const how = spawnError ? `could not start: ${spawnError.message}` : signal ? `ended by ${signal}` : `exit code ${code}`;
          this.log('info', `train.py ${how}`);
          if (spawnError)
            resolve({
              status: 'failed',
              error: `could not start Python (${spawnError.message}): set yolov5.python in the experiment or select an interpreter with the Python extension`,
            });
          else if (stop.requested) resolve({ status: 'stopped' });
          else if (code === 0) resolve({ status: 'finished' });
          else resolve({ status: 'failed', error: failureMessage(how, this.output.all) });
        });
      };
      child.on('close', (code, signal) => finish(code, signal));
    });
  }

  private onUpdate(segment: string): void {
    const p = parseTrainProgress(segment);
    if (!p) return;
    if (!this.epochStart.has(p.epoch)) this.epochStart.set(p.epoch, this.pendingHeaderAt ?? Date.now());
    // Training has begun: the device line (printed before, on the same stream) has been read.
    if (this.epochs === undefined) this.setEpochs(p.lastEpoch + 1);
    this.emitStart();
    const now = Date.now();
    if (now - this.lastBatchAt < 250 && p.done < p.of) return;
    this.lastBatchAt = now;
    this.o.reporter.event({
      type: 'batch',
      run: this.run.name,
      epoch: p.epoch + 1,
      batch: p.done,
      batches: p.of,
      loss: p.losses[0] + p.losses[1] + p.losses[2],
    });
  }

  private onLine(line: string): void {
    this.run.output(line);
    this.output.push(line);
    if (isEpochHeader(line)) {
      this.pendingHeaderAt = Date.now();
      // Samples from here on belong to the next epoch; at least one, however short it is.
      this.epochsBegun++;
      if (this.usage) {
        this.usage.epoch = this.epochsBegun;
        void this.usage.sampleNow();
      }
    }
    const device = this.device === undefined ? parseDeviceLine(line) : undefined;
    if (device) {
      this.device = device;
      if (this.usage) this.usage.device = /^CPU/.test(device) ? 'cpu' : device;
      this.run.update({ device });
    }
  }

  private setEpochs(n: number): void {
    this.epochs = n;
    if (this.run.record.epochs !== n) this.run.update({ epochs: n });
  }

  private emitStart(): void {
    if (this.started || this.epochs === undefined) return;
    this.started = true;
    const r = this.run.record;
    this.o.reporter.event({
      type: 'start',
      run: r.name,
      engine: 'yolov5',
      device: this.device ?? this.usage?.gpuName ?? 'device not reported by YOLOv5',
      epochs: this.epochs,
      trainableParams: r.trainableParams ?? 0,
      totalParams: r.totalParams ?? 0,
    });
  }

  /** Reads run one after another, so rows are recorded in order. */
  private schedulePoll(): void {
    this.reading = this.reading.then(() => this.poll()).catch((e) => this.log('warn', `reading YOLOv5's results: ${errorMessage(e)}`));
  }

  private async poll(): Promise<void> {
    if (this.epochs === undefined) {
      const fromOpt = readOptEpochs(this.run.optYaml);
      if (fromOpt !== undefined) this.setEpochs(fromOpt);
    }
    const { rows, problems, restarted, writtenAt } = await this.tail.readNew();
    if (restarted) this.log('warn', `${this.tail.file} was rewritten; reading it again from its start (epochs already recorded are kept)`);
    for (const p of problems) this.log('warn', `${this.tail.file}:${p.line}: ${p.message}`);
    if (rows.length === 0) return;
    const written = writtenAt ?? Date.now();
    // A sample still under way belongs to the epochs being recorded.
    await this.usage?.settled();
    rows.forEach((row, i) => this.record(row, i < rows.length - 1 ? (this.epochStart.get((row.epoch ?? 0) + 1) ?? written) : written));
  }

  private record(row: ResultsRow, endedAt: number): void {
    const n = epochNumber(row);
    // A resumed run's results.csv starts with the epochs recorded before: already in metrics.jsonl.
    if (n <= this.recordedBefore) return;
    if (n <= this.run.lastEpoch) {
      this.log(
        'warn',
        `results.csv has epoch ${row.epoch} again (YOLOv5 repeated it after a resume or a final validation); the first one recorded is kept`,
      );
      return;
    }
    // Also when no progress bar was recognised (another YOLOv5 version's format).
    if (this.epochs !== undefined) this.emitStart();
    const startedAt = this.lastRowAt ?? this.epochStart.get(row.epoch ?? 0) ?? this.spawnedAt;
    // The k-th epoch this process records is the k-th one train.py announced: its samples.
    const use = this.usage?.take(++this.epochsRecorded) ?? {};
    this.lastRowAt = endedAt;
    const m = epochMetricsFromRow(row, {
      seconds: Math.max(0, (endedAt - startedAt) / 1000),
      time: new Date(endedAt).toISOString(),
      ...(use.rssPeakBytes !== undefined ? { rssBytes: use.rssPeakBytes } : {}),
      ...(use.gpuUtil !== undefined ? { deviceUtil: use.gpuUtil } : {}),
      ...(use.gpuMemoryPeakBytes !== undefined ? { deviceMemoryBytes: use.gpuMemoryPeakBytes } : {}),
    });
    this.run.appendEpoch(m);
    const best = (key: 'val/mAP_0.5' | 'val/mAP_0.5:0.95', prev: number | undefined) => {
      const v = m[key];
      return v !== undefined && Number.isFinite(v) && (prev === undefined || v > prev) ? v : prev;
    };
    const r = this.run.record;
    const bestMap50 = best('val/mAP_0.5', r.bestMap50);
    const bestMap50_95 = best('val/mAP_0.5:0.95', r.bestMap50_95);
    this.run.update({
      epochsDone: this.run.lastEpoch,
      ...(bestMap50 !== undefined ? { bestMap50 } : {}),
      ...(bestMap50_95 !== undefined ? { bestMap50_95 } : {}),
      ...(this.device === undefined && this.usage?.gpuName ? { device: this.usage.gpuName } : {}),
    });
    this.log('info', describeYolov5Epoch(m, this.epochs));
  }
}

/** `epochs:` from the opt.yaml YOLOv5 writes as training starts; undefined until it exists. */
function readOptEpochs(file: string): number | undefined {
  try {
    const doc = load(readFileSync(file, 'utf8')) as { epochs?: unknown } | null;
    return doc && typeof doc.epochs === 'number' && Number.isInteger(doc.epochs) && doc.epochs > 0 ? doc.epochs : undefined;
  } catch {
    return undefined;
  }
}
