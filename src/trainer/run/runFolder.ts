// The trainer's side of the run folder `runs/<name>/` (src/shared/runFolder/contract.ts): making
// it, logging, appending metrics, saving weights, written so that a crash at any moment leaves
// every file readable: run.json through the run folder module's atomic writer and read back by its
// reader, metrics.jsonl and results.csv fsync'd per epoch, weights folders swapped in whole.
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_FILES, checkpointEpoch } from '../../shared/runFolder/completedRun';
import {
  DISK_FULL_FILE,
  EXPERIMENT_SNAPSHOT,
  METRICS_FILE,
  RESULTS_CSV,
  RUN_RECORD_FILE,
  TRAIN_LOG,
  type EpochMetrics,
  type RunRecord,
} from '../../shared/runFolder/contract';
import { readableFolder, readRunRecordSync } from '../../shared/runFolder/readRecord';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { writeAll, writeFileAtomic, writeRunRecordSync } from '../../shared/runFolder/writeRecord';
import { parseMetricsText, readMetricsFile } from './metricsFile';
import { isAlive } from '../../shared/system/processAlive';
import { DurableLines, writeFolderAtomic } from './atomicFiles';
import { diskFullAt, isDiskFull } from '../../shared/system/diskFull';

/** results.csv columns, in order (YOLOv5 style: one row per epoch). */
export const CSV_COLUMNS: Array<keyof EpochMetrics> = [
  'epoch',
  'train/loss',
  'val/loss',
  'val/accuracy',
  'val/top5',
  'lr',
  'epoch_seconds',
  'images_per_second',
  'tensor_bytes',
  'peak_tensor_bytes',
  'rss_bytes',
  'device_util',
  'device_memory_bytes',
  'time',
];

/** Run names become folder names: letters, digits, `.`, `_`, `-`. */
export function checkRunName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    throw new RunFolderError(`run name '${name}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
  }
}

/** `exp.name`, else the experiment file name without `.experiment.yaml`/`.yaml`. */
export function defaultRunName(experimentFile: string, name?: string): string {
  if (name) return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'run';
  const base = path.basename(experimentFile).replace(/(\.experiment)?\.ya?ml$/i, '');
  return base === 'experiment' || base === '' ? 'run' : base.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** The first of `name`, `name-2`, `name-3`… that has no folder yet. */
export function uniqueRunName(runsDir: string, name: string): string {
  if (!existsSync(path.join(runsDir, name))) return name;
  for (let i = 2; ; i++) if (!existsSync(path.join(runsDir, `${name}-${i}`))) return `${name}-${i}`;
}

/** run.json of `dir` when it is there and valid: folders that are not runs are passed over. */
function validRecordIn(dir: string): RunRecord | undefined {
  try {
    return readRunRecordSync(dir);
  } catch (err) {
    if (err instanceof RunFolderError) return undefined;
    throw err;
  }
}

/** A folder made for a run that has not started: run.json says queued and nothing was trained
 *  into it. A Slurm job's run folder is one (sbatch needs it for --chdir and the job's output). */
function isQueuedPlaceholder(dir: string): boolean {
  if (validRecordIn(dir)?.status !== 'queued') return false;
  return ![METRICS_FILE, RESULTS_CSV, TRAIN_LOG, EXPERIMENT_SNAPSHOT, 'weights'].some((f) => existsSync(path.join(dir, f)));
}

/** The most recently started run of `experimentFile` in `runsDir` (for --resume without --name). */
export function latestRunOf(runsDir: string, experimentFile: string): string | undefined {
  let best: { name: string; started: string } | undefined;
  let entries: string[] = [];
  try {
    entries = readdirSync(runsDir);
  } catch {
    return undefined;
  }
  for (const name of entries) {
    const r = validRecordIn(path.join(runsDir, name));
    if (!r || path.resolve(r.experiment) !== path.resolve(experimentFile)) continue;
    const started = r.startedAt ?? '';
    if (!best || started > best.started) best = { name, started };
  }
  return best?.name;
}

/** The run `--resume` continues: the one named, else the latest of `experimentFile` in `runsDir`. */
export function runToResume(runsDir: string, experimentFile: string, name: string | undefined): string {
  const found = name ?? latestRunOf(runsDir, experimentFile);
  if (!found) throw new RunFolderError(`nothing to resume: no run of ${experimentFile} in ${runsDir}`);
  return found;
}

/** Refuses to resume a run whose process is still alive: two trainers would write one folder. */
export function refuseIfStillRunning(name: string, record: RunRecord): void {
  if (record.status === 'running' && record.pid && record.pid !== process.pid && isAlive(record.pid)) {
    throw new RunFolderError(`run ${name} is still running (pid ${record.pid}); stop it before resuming`);
  }
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** What every run folder keeps whichever program trains into it (the built-in trainer, YOLOv5's
 *  train.py): run.json, rewritten atomically on each change, train.log, and the experiment snapshot. */
export abstract class RunRecordFolder {
  protected constructor(
    readonly dir: string,
    public record: RunRecord,
  ) {}

  get name(): string {
    return this.record.name;
  }

  /** Makes `runsDir/name` holding the experiment snapshot. An existing folder is refused unless
   *  `reusable` says it was only reserved for this run. */
  protected static makeFolder(
    runsDir: string,
    name: string,
    experimentFile: string,
    reusable: (dir: string) => boolean = () => false,
  ): string {
    checkRunName(name);
    const dir = path.join(runsDir, name);
    if (existsSync(dir) && !reusable(dir)) {
      throw new RunFolderError(`run folder ${dir} already exists: pick another --name, or add --resume to continue that run`);
    }
    mkdirSync(dir, { recursive: true });
    try {
      copyFileSync(experimentFile, path.join(dir, EXPERIMENT_SNAPSHOT));
    } catch (err) {
      throw diskFullAt(err, path.join(dir, EXPERIMENT_SNAPSHOT));
    }
    return dir;
  }

  /** An existing run's folder and run.json, for --resume. */
  protected static readFolder(runsDir: string, name: string): { dir: string; record: RunRecord } {
    checkRunName(name);
    const dir = path.join(runsDir, name);
    const record = readRunRecordSync(dir);
    if (!record) throw new RunFolderError(`nothing to resume: ${path.join(dir, RUN_RECORD_FILE)} does not exist`);
    return { dir, record };
  }

  /** Merges `patch` into run.json; a key set to undefined is removed (JSON drops it). */
  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    this.writeRecord();
  }

  protected writeRecord(): void {
    // A resumed run is no longer the failed one disk-full.txt stands for.
    rmSync(path.join(this.dir, DISK_FULL_FILE), { force: true });
    writeRunRecordSync(this.dir, this.record);
  }

  /**
   * When run.json cannot be rewritten because the disk is full: disk-full.txt, which readers take
   * for "this running run failed". Creating an empty file needs no data block; the message goes in
   * only if it fits. False when not even that could be made.
   */
  markDiskFull(message: string): boolean {
    const file = path.join(this.dir, DISK_FULL_FILE);
    let fd: number;
    try {
      fd = openSync(file, 'w');
    } catch {
      return false;
    }
    try {
      writeAll(fd, `${message}\n`);
      fsyncSync(fd);
    } catch {
      try {
        ftruncateSync(fd, 0); // empty (readers then say "the disk was full") rather than torn
      } catch {
        // a torn message still reads as one
      }
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** What the folder keeps for a resume, for the message of a run that failed. */
  describeKept(): string | undefined {
    return undefined;
  }

  /** One line of train.log (one per line of a multi-line message). */
  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.appendLog(message.split('\n').map((l) => `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${l}`));
  }

  /** train.log is the human's copy of the events: on a full disk its lines are dropped, and the
   *  run fails at its next durable write (metrics, weights, run.json) instead. */
  protected appendLog(lines: string[]): void {
    try {
      appendFileSync(path.join(this.dir, TRAIN_LOG), `${lines.join('\n')}\n`);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
    }
  }
}

export class RunFolder extends RunRecordFolder {
  private metrics?: DurableLines;
  private csv?: DurableLines;

  /** A new run folder with run.json (status running) and the experiment snapshot; a folder a
   *  queued Slurm job reserved is taken over. */
  static create(runsDir: string, name: string, record: Omit<RunRecord, 'name'>, experimentFile: string): RunFolder {
    const dir = RunRecordFolder.makeFolder(runsDir, name, experimentFile, isQueuedPlaceholder);
    const run = new RunFolder(dir, { name, ...record });
    run.writeRecord();
    try {
      writeFileSync(path.join(dir, RESULTS_CSV), `${CSV_COLUMNS.join(',')}\n`);
    } catch (err) {
      throw diskFullAt(err, path.join(dir, RESULTS_CSV));
    }
    run.openStreams();
    return run;
  }

  /** An existing run folder, for --resume. */
  static open(runsDir: string, name: string): RunFolder {
    const { dir, record } = RunRecordFolder.readFolder(runsDir, name);
    return new RunFolder(dir, record);
  }

  /** Keeps only the metrics of epochs ≤ `epochs` (those whose weights survive), then opens for appending. */
  truncateMetricsTo(epochs: number): EpochMetrics[] {
    const file = path.join(this.dir, METRICS_FILE);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const kept = parseMetricsText(text).metrics.filter((m) => m.epoch <= epochs);
    writeFileAtomic(file, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
    writeFileAtomic(
      path.join(this.dir, RESULTS_CSV),
      [CSV_COLUMNS.join(','), ...kept.map((m) => CSV_COLUMNS.map((c) => csvCell(m[c])).join(','))].join('\n') + '\n',
    );
    this.openStreams();
    return kept;
  }

  private openStreams(): void {
    this.metrics?.close();
    this.csv?.close();
    this.metrics = new DurableLines(path.join(this.dir, METRICS_FILE));
    this.csv = new DurableLines(path.join(this.dir, RESULTS_CSV));
  }

  /** One finished epoch: metrics.jsonl then results.csv, each fsync'd. NaN/Infinity become null. */
  appendEpoch(m: EpochMetrics): void {
    this.metrics!.append(JSON.stringify(m));
    this.csv!.append(CSV_COLUMNS.map((c) => csvCell(m[c])).join(','));
  }

  weightsDir(kind: 'last' | 'best'): string {
    return path.join(this.dir, 'weights', kind);
  }

  /** weights/<kind>/ replaced as a whole. */
  saveWeights(kind: 'last' | 'best', files: Record<string, Uint8Array | string>): void {
    writeFolderAtomic(this.weightsDir(kind), files);
  }

  /** weights/<kind>/model.json (torchvision.json for a torchvision run) when it exists (also after an interrupted replacement). */
  weightsFile(kind: 'last' | 'best'): string | undefined {
    const dir = readableFolder(this.weightsDir(kind));
    const name = dir ? CHECKPOINT_FILES.find((n) => existsSync(path.join(dir, n))) : undefined;
    return dir && name ? path.join(dir, name) : undefined;
  }

  override describeKept(): string {
    const file = this.weightsFile('last');
    const epoch = file ? checkpointEpoch(readFileSafe(file) ?? '') : undefined;
    const epochs = readMetricsFile(path.join(this.dir, METRICS_FILE)).length;
    const weights = file ? `weights/last (epoch ${epoch ?? '?'})` : 'no checkpoint (weights/last was never written)';
    return `kept ${weights} and the metrics of ${epochs} finished epoch(s)`;
  }

  close(): void {
    this.metrics?.close();
    this.csv?.close();
  }
}

export function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
