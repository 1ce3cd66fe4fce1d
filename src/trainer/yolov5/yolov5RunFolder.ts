// The run folder of a YOLOv5 run. It is also YOLOv5's save_dir (--project runs --name <name>), so
// one folder holds both: ours — run.json, metrics.jsonl, train.log, experiment.yaml — and YOLOv5's
// — results.csv, opt.yaml, hyp.yaml, weights/last.pt, weights/best.pt, plots. We never write
// results.csv: it is YOLOv5's own. Same durability as the built-in trainer's folders (run.json
// atomically, metrics.jsonl fsync'd per epoch).
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { METRICS_FILE, type EpochMetrics, type RunRecord } from '../../shared/runFolder/contract';
import { parseMetricsText } from '../run/metricsFile';
import { DurableLines } from '../run/atomicFiles';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { RunRecordFolder } from '../run/runFolder';

export const YOLOV5_RESULTS_CSV = 'results.csv';
export const YOLOV5_OPT_YAML = 'opt.yaml';
export const LAST_PT = path.join('weights', 'last.pt');

export class Yolov5RunFolder extends RunRecordFolder {
  private metrics: DurableLines;

  private constructor(
    dir: string,
    record: RunRecord,
    readonly epochs: EpochMetrics[],
  ) {
    super(dir, record);
    this.metrics = new DurableLines(path.join(dir, METRICS_FILE));
  }

  /** A new folder with run.json (status running) and the experiment snapshot. */
  static create(runsDir: string, name: string, record: Omit<RunRecord, 'name'>, experimentFile: string): Yolov5RunFolder {
    const dir = RunRecordFolder.makeFolder(runsDir, name, experimentFile);
    const run = new Yolov5RunFolder(dir, { name, ...record }, []);
    run.writeRecord();
    return run;
  }

  /** An existing YOLOv5 run, for --resume; its recorded epochs are kept. */
  static open(runsDir: string, name: string): Yolov5RunFolder {
    const { dir, record } = RunRecordFolder.readFolder(runsDir, name);
    if (record.trainer !== 'yolov5')
      throw new RunFolderError(
        `run ${name} was not trained by YOLOv5 (its run.json has no "trainer": "yolov5"); resume it with the trainer that started it`,
      );
    const file = path.join(dir, METRICS_FILE);
    const epochs = existsSync(file) ? parseMetricsText(readFileSync(file, 'utf8')).metrics : [];
    return new Yolov5RunFolder(dir, record, epochs);
  }

  /** A line train.py printed, kept whole in train.log. */
  output(line: string): void {
    this.appendLog([`${new Date().toISOString()} PY    ${line}`]);
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
