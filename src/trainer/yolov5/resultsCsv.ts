// YOLOv5's results.csv, as its loggers write it: a header line and one row per epoch, every cell
// right-aligned in 20 characters ('%20s,' / '%20.5g,'), the epoch 0-based, nan for a value it could
// not compute. Read incrementally while train.py appends to it. Pure Node (fs only).
import { open } from 'node:fs/promises';

/** Columns of YOLOv5 v6/v7 detection training, in the order it writes them. */
export const YOLOV5_RESULTS_COLUMNS = [
  'epoch',
  'train/box_loss',
  'train/obj_loss',
  'train/cls_loss',
  'metrics/precision',
  'metrics/recall',
  'metrics/mAP_0.5',
  'metrics/mAP_0.5:0.95',
  'val/box_loss',
  'val/obj_loss',
  'val/cls_loss',
  'x/lr0',
  'x/lr1',
  'x/lr2',
] as const;

/** One row, by trimmed column name; nan and inf are null (JSON has neither). */
export type ResultsRow = Record<string, number | null>;

export interface ResultsProblem {
  /** 1-based line in results.csv. */
  line: number;
  message: string;
}

/** The trimmed column names of a header line; undefined when it is not a results.csv header. */
export function parseResultsHeader(line: string): string[] | undefined {
  const names = line.split(',').map((c) => c.trim());
  return names[0] === 'epoch' && names.length > 1 && names.every((n) => n.length > 0) ? names : undefined;
}

function parseCell(cell: string): number | null | undefined {
  const t = cell.trim().toLowerCase();
  if (t === 'nan' || t === '-nan' || t === 'inf' || t === '-inf') return null;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** One data line under `header`; a problem (to report, not to throw) when it does not fit. */
export function parseResultsRow(header: readonly string[], line: string, lineNo: number): { row?: ResultsRow; problem?: ResultsProblem } {
  const cells = line.split(',');
  if (cells.length !== header.length) {
    return {
      problem: { line: lineNo, message: `has ${cells.length} values for the header's ${header.length} columns; the row is skipped` },
    };
  }
  const row: ResultsRow = {};
  for (let i = 0; i < cells.length; i++) {
    const v = parseCell(cells[i]);
    if (v === undefined)
      return { problem: { line: lineNo, message: `column ${header[i]} holds '${cells[i].trim()}', not a number; the row is skipped` } };
    row[header[i]] = v;
  }
  if (row.epoch === null || !Number.isInteger(row.epoch) || row.epoch < 0) {
    return { problem: { line: lineNo, message: `epoch is '${cells[0].trim()}', not a whole number ≥ 0; the row is skipped` } };
  }
  return { row };
}

export interface ParsedResults {
  header?: string[];
  rows: ResultsRow[];
  problems: ResultsProblem[];
}

/** Parses a whole results.csv text; a last line without '\n' is a row still being written and is left out. */
export function parseResultsCsv(text: string): ParsedResults {
  const end = text.lastIndexOf('\n');
  const lines = end >= 0 ? text.slice(0, end).split('\n') : [];
  const out: ParsedResults = { rows: [], problems: [] };
  feedLines(out, lines, 1);
  return out;
}

function feedLines(state: ParsedResults, lines: readonly string[], firstLineNo: number): ResultsRow[] {
  const added: ResultsRow[] = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const lineNo = firstLineNo + i;
    if (line.trim() === '') return;
    if (!state.header) {
      const header = parseResultsHeader(line);
      if (header) state.header = header;
      else state.problems.push({ line: lineNo, message: 'is not a YOLOv5 results.csv header (it starts with the column epoch)' });
      return;
    }
    // A second header: the file was started over by another run writing into the same folder.
    const again = parseResultsHeader(line);
    if (again) {
      state.header = again;
      return;
    }
    const { row, problem } = parseResultsRow(state.header, line, lineNo);
    if (problem) state.problems.push(problem);
    if (row) {
      state.rows.push(row);
      added.push(row);
    }
  });
  return added;
}

/**
 * Follows a results.csv that train.py appends to: each `readNew()` returns the rows completed since
 * the last call. A file that shrank (deleted, rewritten) is read again from its start.
 */
export class ResultsCsvTail {
  private offset = 0;
  private lineNo = 1;
  private pending = '';
  private state: ParsedResults = { rows: [], problems: [] };
  private reportedProblems = 0;

  constructor(readonly file: string) {}

  get header(): string[] | undefined {
    return this.state.header;
  }

  /** New complete rows, and problems met in them (each reported once). Absent file: nothing yet.
   *  `writtenAt` is the file's modification time as of the bytes read (the last row's write). */
  async readNew(): Promise<{ rows: ResultsRow[]; problems: ResultsProblem[]; restarted: boolean; writtenAt?: number }> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], problems: [], restarted: false };
      throw e;
    }
    let restarted = false;
    try {
      const { size, mtimeMs } = await handle.stat();
      if (size < this.offset) {
        this.offset = 0;
        this.lineNo = 1;
        this.pending = '';
        this.state = { rows: [], problems: [] };
        this.reportedProblems = 0;
        restarted = true;
      }
      if (size === this.offset) return { rows: [], problems: [], restarted };
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.pending + buf.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        this.pending = text;
        return { rows: [], problems: [], restarted };
      }
      this.pending = text.slice(end + 1);
      const lines = text.slice(0, end).split('\n');
      const rows = feedLines(this.state, lines, this.lineNo);
      this.lineNo += lines.length;
      const problems = this.state.problems.slice(this.reportedProblems);
      this.reportedProblems = this.state.problems.length;
      return { rows, problems, restarted, writtenAt: mtimeMs };
    } finally {
      await handle.close();
    }
  }
}
