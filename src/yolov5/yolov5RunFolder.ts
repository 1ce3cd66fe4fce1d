// The run folder of a YOLOv5 run. It is also YOLOv5's save_dir (--project runs --name <name>), so
// one folder holds both: ours — run.json, metrics.jsonl, train.log, experiment.yaml — and YOLOv5's
// — results.csv, opt.yaml, hyp.yaml, weights/last.pt, weights/best.pt, plots. We never write
// results.csv: it is YOLOv5's own. Same durability as the built-in trainer's folders (run.json
// atomically, metrics.jsonl fsync'd per epoch).
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../shared/runs/contract';
import { parseMetricsText } from '../shared/runs/metricsFile';
import { DurableLines, writeFileAtomic } from '../trainer/run/atomicFiles';
import { checkRunName, EXPERIMENT_SNAPSHOT, METRICS_JSONL, readRunRecord, RUN_JSON, RunFolderError, TRAIN_LOG } from '../trainer/run/runFolder';

export const YOLOV5_RESULTS_CSV = 'results.csv';
export const YOLOV5_OPT_YAML = 'opt.yaml';
export const LAST_PT = path.join('weights', 'last.pt');

export class Yolov5RunFolder {
  private metrics: DurableLines;

  private constructor(readonly dir: string, public record: RunRecord, readonly epochs: EpochMetrics[]) {
    this.metrics = new DurableLines(path.join(dir, METRICS_JSONL));
  }

  get name(): string {
    return this.record.name;
  }

  /** A new folder with run.json (status running) and the experiment snapshot. */
  static create(runsDir: string, name: string, record: Omit<RunRecord, 'name'>, experimentFile: string): Yolov5RunFolder {
    checkRunName(name);
    const dir = path.join(runsDir, name);
    if (existsSync(dir)) throw new RunFolderError(`run folder ${dir} already exists: pick another --name, or add --resume to continue that run`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(experimentFile, path.join(dir, EXPERIMENT_SNAPSHOT));
    const run = new Yolov5RunFolder(dir, { name, ...record }, []);
    run.writeRecord();
    return run;
  }

  /** An existing YOLOv5 run, for --resume; its recorded epochs are kept. */
  static open(runsDir: string, name: string): Yolov5RunFolder {
    checkRunName(name);
    const dir = path.join(runsDir, name);
    const record = readRunRecord(dir);
    if (!record) throw new RunFolderError(`nothing to resume: ${path.join(dir, RUN_JSON)} does not exist or is not readable`);
    if (record.trainer !== 'yolov5') throw new RunFolderError(`run ${name} was not trained by YOLOv5 (its run.json has no "trainer": "yolov5"); resume it with the trainer that started it`);
    const file = path.join(dir, METRICS_JSONL);
    const epochs = existsSync(file) ? parseMetricsText(readFileSync(file, 'utf8')).metrics : [];
    return new Yolov5RunFolder(dir, record, epochs);
  }

  /** Merges `patch` into run.json; a key set to undefined is removed (JSON drops it). */
  update(patch: Partial<RunRecord>): void {
    this.record = { ...this.record, ...patch };
    this.writeRecord();
  }

  private writeRecord(): void {
    writeFileAtomic(path.join(this.dir, RUN_JSON), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /** Our own notes in train.log. */
  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.append(message.split('\n').map((l) => `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${l}`));
  }

  /** A line train.py printed, kept whole in train.log. */
  output(line: string): void {
    this.append([`${new Date().toISOString()} PY    ${line}`]);
  }

  private append(lines: string[]): void {
    appendFileSync(path.join(this.dir, TRAIN_LOG), `${lines.join('\n')}\n`);
  }

  /** The highest epoch recorded so far (0 when none). */
  get lastEpoch(): number {
    return this.epochs.reduce((m, e) => Math.max(m, e.epoch), 0);
  }

  appendEpoch(m: EpochMetrics): void {
    this.metrics.append(JSON.stringify(m));
    this.epochs.push(m);
  }

  get resultsCsv(): string {
    return path.join(this.dir, YOLOV5_RESULTS_CSV);
  }

  get optYaml(): string {
    return path.join(this.dir, YOLOV5_OPT_YAML);
  }

  get lastPt(): string {
    return path.join(this.dir, LAST_PT);
  }

  close(): void {
    this.metrics.close();
  }
}
