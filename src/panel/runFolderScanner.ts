// Keeps an up-to-date picture of the run folders under one or more runs/ directories: each run's
// record and every epoch so far, reading only what changed since the last scan. Pure Node (no
// vscode), so FolderRunsSource stays a thin layer of watchers and events over it.
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../shared/runs/contract';
import { METRICS_FILE, MetricsTail, RunFolderError, formatProblem, listRunDirs, readRunRecord } from '../shared/runs/runFolderReader';
import type { EpochsAppended, RunEntry } from './runsSource';

interface ScannedRun {
  dir: string;
  record: RunRecord;
  recordJson: string;
  tail: MetricsTail;
  tailGeneration: number;
  epochs: EpochMetrics[];
  generation: number;
}

export interface ScanResult {
  /** Runs appeared, disappeared, or a record or generation changed. */
  changed: boolean;
  appended: EpochsAppended[];
  /** New problems found in this scan, as "file:line: message". */
  problems: string[];
}

export class RunFolderScanner {
  /** By run name, in the order the scan found them. */
  private runs = new Map<string, ScannedRun>();
  private reported = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly runsDirs: () => readonly string[]) {}

  entries(): RunEntry[] {
    return [...this.runs.values()].map((r) => ({ record: r.record, dir: r.dir, generation: r.generation }));
  }

  epochs(run: string): EpochMetrics[] | undefined {
    return this.runs.get(run)?.epochs.slice();
  }

  /** Re-reads the folders; concurrent calls run one after another. */
  scan(): Promise<ScanResult> {
    const next = this.queue.then(() => this.doScan());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private problem(text: string, out: string[]): void {
    if (this.reported.has(text)) return;
    this.reported.add(text);
    out.push(text);
  }

  private async doScan(): Promise<ScanResult> {
    const problems: string[] = [];
    const appended: EpochsAppended[] = [];
    let changed = false;
    const seen = new Map<string, ScannedRun>();
    const byDir = new Map([...this.runs.values()].map((r) => [r.dir, r]));
    for (const runsDir of this.runsDirs()) {
      for (const dir of await listRunDirs(runsDir)) {
        let record: RunRecord | undefined;
        try {
          record = await readRunRecord(dir);
        } catch (e) {
          if (e instanceof RunFolderError) {
            this.problem(e.message, problems);
            // Keep showing what we had rather than dropping the run on a bad rewrite.
            const prev = byDir.get(dir);
            if (prev && !seen.has(prev.record.name)) seen.set(prev.record.name, prev);
            continue;
          }
          throw e;
        }
        // metrics.jsonl before run.json: the trainer is starting; the next scan picks it up.
        if (!record) continue;
        const other = seen.get(record.name);
        if (other) {
          this.problem(`${path.join(dir, 'run.json')}: run name "${record.name}" is already used by ${path.join(other.dir, 'run.json')}; run names must be unique, so this run is not shown`, problems);
          continue;
        }
        let run = byDir.get(dir);
        const recordJson = JSON.stringify(record);
        if (!run || run.record.name !== record.name) {
          run = { dir, record, recordJson, tail: new MetricsTail(path.join(dir, METRICS_FILE)), tailGeneration: 0, epochs: [], generation: 0 };
          changed = true;
        } else if (run.recordJson !== recordJson) {
          if (run.record.startedAt !== record.startedAt) {
            // Started again in the same folder: its metrics start over too.
            run.tail = new MetricsTail(path.join(dir, METRICS_FILE));
            run.tailGeneration = 0;
            run.epochs = [];
            run.generation++;
          }
          run.record = record;
          run.recordJson = recordJson;
          changed = true;
        }
        const fresh = await run.tail.readNew();
        for (const p of run.tail.problems.splice(0)) this.problem(formatProblem(p), problems);
        if (run.tail.generation !== run.tailGeneration) {
          run.tailGeneration = run.tail.generation;
          run.epochs = [];
          run.generation++;
          changed = true;
        }
        if (fresh.length) {
          run.epochs.push(...fresh);
          appended.push({ run: record.name, epochs: fresh });
        }
        seen.set(record.name, run);
      }
    }
    if (seen.size !== this.runs.size || [...seen.keys()].some((k) => !this.runs.has(k))) changed = true;
    this.runs = seen;
    return { changed, appended, problems };
  }
}
