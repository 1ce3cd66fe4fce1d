// What YOLOv5 v7.0's train.py itself printed and wrote, read independently of the extension's own
// parsers, so the real-YOLOv5 tests compare the extension against YOLOv5 and not against itself:
// its argument line, its model table and summary line, what it transferred, its `freezing …`
// lines, and its results.csv.
import { readFileSync } from 'node:fs';

export interface PrintedModule {
  index: number;
  /** The `from` column as printed: -1, or a list such as [-1, 6]. */
  from: string;
  n: number;
  params: number;
  /** Python class, e.g. models.common.Conv or torch.nn.modules.upsampling.Upsample. */
  module: string;
}

export interface Printed {
  /** `freeze=[…]` of train.py's argument line. */
  freeze?: number[];
  modules: PrintedModule[];
  /** `YOLOv5n summary: 214 layers, N parameters, N gradients` of the model as built (not the fused one validated at the end). */
  totalParams?: number;
  /** `Transferred 348/349 items from <weights>`. */
  transferredFrom?: string;
  /** Parameter names of the `freezing model.0.conv.weight` lines, in order. */
  frozen: string[];
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const TABLE_HEADER = /^\s*from\s+n\s+params\s+module\s+arguments\s*$/;
const TABLE_ROW = /^\s*(\d+)\s+(-?\d+|\[[^\]]*\])\s+(\d+)\s+(\d+)\s+([\w.]+)\s+.*$/;

/** Reads train.py's printed lines (stdout and stderr; '\r' redraws count as line ends). */
export function parsePrinted(text: string): Printed {
  const lines = text.replace(ANSI, '').split(/\r\n|\r|\n/);
  const out: Printed = { modules: [], frozen: [] };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const args = /^train: weights=.*\bfreeze=\[([^\]]*)\]/.exec(line);
    if (args && out.freeze === undefined) out.freeze = args[1].split(',').map((s) => Number(s.trim()));
    if (TABLE_HEADER.test(line) && out.modules.length === 0) {
      for (let j = i + 1; j < lines.length; j++) {
        const row = TABLE_ROW.exec(lines[j]);
        if (!row) break;
        out.modules.push({ index: Number(row[1]), from: row[2], n: Number(row[3]), params: Number(row[4]), module: row[5] });
      }
    }
    const summary = /^\S+ summary: \d+ layers, (\d+) parameters, \d+ gradients/.exec(line);
    if (summary && out.totalParams === undefined) out.totalParams = Number(summary[1]);
    const transferred = /^Transferred \d+\/\d+ items from (.+)$/.exec(line);
    if (transferred) out.transferredFrom = transferred[1].trim();
    const frozen = /^freezing (\S+)$/.exec(line.trim());
    if (frozen) out.frozen.push(frozen[1]);
  }
  return out;
}

/** train.py's output as the extension kept it: the `PY` lines of a run's train.log. */
export function printedInTrainLog(trainLog: string): string {
  return readFileSync(trainLog, 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^\S+ PY {4}(.*)$/.exec(l);
      return m ? [m[1]] : [];
    })
    .join('\n');
}

/** results.csv as YOLOv5 writes it: a '%20s,' header, then '%20.5g,' values per epoch (0-based). */
export function readResultsCsv(file: string): Array<Record<string, number>> {
  const [header, ...rows] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
  const keys = header.split(',').map((k) => k.trim());
  return rows.map((r) => {
    const values = r.split(',').map((v) => Number(v.trim()));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
  });
}

/** The sum of printed parameters of the modules `--freeze N` leaves trainable (index N and up). */
export function trainableAfterFreeze(modules: readonly PrintedModule[], freeze: number): number {
  return modules.filter((m) => m.index >= freeze).reduce((s, m) => s + m.params, 0);
}
