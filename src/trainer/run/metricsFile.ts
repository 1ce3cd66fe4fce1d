// metrics.jsonl: one EpochMetrics JSON object per line, appended and fsync'd by the trainer after each
// epoch. A process killed mid-write can leave a torn last line; readers skip it, and the trainer
// trims it before appending again, so every complete line stays valid. Pure Node, no tfjs.
import { readFileSync } from 'node:fs';
import type { EpochMetrics } from '../../shared/runFolder/contract';

export interface MetricsFileContent {
  metrics: EpochMetrics[];
  /** A last line without its newline (a write cut short), ignored. */
  tornTail?: string;
  /** Complete lines that are not JSON objects with an `epoch` (1-based line numbers), ignored. */
  badLines: number[];
}

/** Parses metrics.jsonl text; a last line without '\n' is a torn write and is ignored. */
export function parseMetricsText(text: string): MetricsFileContent {
  const end = text.lastIndexOf('\n');
  const complete = end >= 0 ? text.slice(0, end) : '';
  const tail = text.slice(end + 1);
  const metrics: EpochMetrics[] = [];
  const badLines: number[] = [];
  if (complete.length > 0) {
    complete.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const v = JSON.parse(line) as unknown;
        if (typeof v === 'object' && v !== null && typeof (v as { epoch?: unknown }).epoch === 'number') metrics.push(v as EpochMetrics);
        else badLines.push(i + 1);
      } catch {
        badLines.push(i + 1);
      }
    });
  }
  return { metrics, badLines, ...(tail.length > 0 ? { tornTail: tail } : {}) };
}

/** The epochs recorded in a metrics.jsonl file ([] when it does not exist); torn last line ignored. */
export function readMetricsFile(file: string): EpochMetrics[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseMetricsText(text).metrics;
}
