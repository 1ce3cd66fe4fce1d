// Reading a run's predictions for the panel, without blocking: `predictions/best.json` (the best
// epoch's weights, else `last.json`) checked against its contract, or for a YOLOv5 run the plots
// train.py wrote into the run folder. No vscode import (unit-tested).
//
// Images go to the page as data: URLs inside the validated message, not as asWebviewUri links
// under localResourceRoots widened to the run folders: the thumbnails are already base64 in the
// predictions file, YOLOv5's few plots are bounded here, and the webview's resource roots stay the
// extension's own dist/ and media/, so nothing on the page, whatever it posts or renders, can make
// the webview load a file from a run folder (or anywhere else) by naming it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from '../../shared/runFolder/contract';
import { PREDICTIONS_DIR, PREDICTIONS_FILES, predictionsProblem, type Predictions } from '../../shared/runFolder/predictions';
import type { RunPredictionsView, Yolov5Plot } from '../../shared/panel/predictionsMessage';

/** Larger files are not read: the trainer bounds its file to 2 MB; this leaves room, not a 1 GB read. */
export const MAX_PREDICTIONS_BYTES = 8 * 2 ** 20;
/** YOLOv5's plots are a few hundred kB; a bigger file is not what train.py writes. */
export const MAX_PLOT_BYTES = 8 * 2 ** 20;
export const YOLOV5_CONFUSION = 'confusion_matrix.png';
const YOLOV5_BATCH = /^val_batch\d+_pred\.jpg$/;

export interface RunFiles {
  dir: string;
  record: RunRecord;
}

function predictionsFiles(dir: string): string[] {
  return [path.join(dir, PREDICTIONS_DIR, PREDICTIONS_FILES.best), path.join(dir, PREDICTIONS_DIR, PREDICTIONS_FILES.last)];
}

async function statOrUndefined(file: string): Promise<{ mtimeMs: number; size: number } | undefined> {
  try {
    const s = await fs.stat(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

/** YOLOv5's plots present in the run folder, in a stable order (confusion matrix, then batches). */
async function yolov5PlotNames(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const batches = names.filter((n) => YOLOV5_BATCH.test(n)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return [...(names.includes(YOLOV5_CONFUSION) ? [YOLOV5_CONFUSION] : []), ...batches];
}

/** Changes whenever a file the run's view is read from changes (name, time, size): the host
 *  re-reads and re-sends only then. */
export async function predictionsStamp(run: RunFiles): Promise<string> {
  const files =
    run.record.trainer === 'yolov5' ? (await yolov5PlotNames(run.dir)).map((n) => path.join(run.dir, n)) : predictionsFiles(run.dir);
  const parts = await Promise.all(
    files.map(async (f) => {
      const s = await statOrUndefined(f);
      return s ? `${f}:${s.mtimeMs}:${s.size}` : `${f}:-`;
    }),
  );
  return `${run.record.status}|${parts.join('|')}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One predictions file: parsed and checked, or a message naming the file and what to do. */
export async function readPredictionsFile(file: string): Promise<{ predictions: Predictions } | { message: string }> {
  const s = await statOrUndefined(file);
  if (s && s.size > MAX_PREDICTIONS_BYTES)
    return {
      message: `${file} is ${(s.size / 2 ** 20).toFixed(1)} MB, more than the ${MAX_PREDICTIONS_BYTES / 2 ** 20} MB the panel reads; it was not written by this version of the trainer. Delete it, or re-run the run to write it again.`,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    return {
      message: `${file} cannot be read as JSON (${errorText(e)}). The trainer writes it atomically, so it was changed by something else; re-run the run to write it again.`,
    };
  }
  const why = predictionsProblem(parsed);
  if (why) return { message: `${file} is not a predictions file: ${why}. Re-run the run to write it again.` };
  return { predictions: parsed as Predictions };
}

const SIGNATURES: Record<string, { mime: string; kind: string; bytes: number[] }> = {
  '.png': { mime: 'image/png', kind: 'PNG', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  '.jpg': { mime: 'image/jpeg', kind: 'JPEG', bytes: [0xff, 0xd8, 0xff] },
};

/** A plot as a data: URL, or why not (too big, not the image its name says). */
async function plotDataUrl(file: string): Promise<string | { message: string }> {
  const sig = SIGNATURES[path.extname(file)];
  const s = await statOrUndefined(file);
  if (!sig || !s) return { message: `${file} is not there` };
  if (s.size > MAX_PLOT_BYTES) return { message: `${file} is larger than ${MAX_PLOT_BYTES / 2 ** 20} MB; not shown` };
  const bytes = await fs.readFile(file);
  if (sig.bytes.some((b, i) => bytes[i] !== b)) return { message: `${file} is not a ${sig.kind} image; not shown` };
  return `data:${sig.mime};base64,${bytes.toString('base64')}`;
}

async function yolov5View(run: RunFiles, log: (m: string) => void): Promise<RunPredictionsView> {
  const names = await yolov5PlotNames(run.dir);
  const plots: Yolov5Plot[] = [];
  for (const name of names) {
    const src = await plotDataUrl(path.join(run.dir, name)).catch((e: unknown) => ({ message: `${name}: ${errorText(e)}` }));
    if (typeof src === 'string') plots.push({ name, src });
    else log(`comparison panel: ${src.message}`);
  }
  const missing: string[] = [];
  if (!plots.some((p) => p.name === YOLOV5_CONFUSION)) missing.push(YOLOV5_CONFUSION);
  if (!plots.some((p) => YOLOV5_BATCH.test(p.name))) missing.push('val_batch*_pred.jpg');
  return { kind: 'yolov5', dir: run.dir, plots, missing };
}

/** What the Predictions section shows for `run`: never throws; a bad file becomes a `problem`. */
export async function readRunPredictionsView(run: RunFiles, log: (m: string) => void): Promise<RunPredictionsView> {
  if (run.record.trainer === 'yolov5') return yolov5View(run, log);
  const files = predictionsFiles(run.dir);
  for (const file of files) {
    if (!(await statOrUndefined(file))) continue;
    const r = await readPredictionsFile(file).catch((e: unknown) => ({ message: `${file} cannot be read: ${errorText(e)}` }));
    if ('message' in r) return { kind: 'problem', file, message: r.message };
    return { kind: 'predictions', file, predictions: r.predictions };
  }
  return { kind: 'missing', looked: files };
}

/** The file to open for validation image `index` of a run's predictions, or why there is none. The
 *  page sends only the index: the path comes from the host-read predictions and the data folder the
 *  run recorded, and must stay inside that folder. */
export function predictionImageFile(record: RunRecord, predictions: Predictions, index: number): { file: string } | { problem: string } {
  const data = record.data ?? '';
  if (!data.startsWith('folder ')) return { problem: `run ${record.name} did not train on an image folder, so its images have no files` };
  const root = data.slice('folder '.length);
  if (!path.isAbsolute(root)) return { problem: `run ${record.name} recorded its data folder as "${root}", not an absolute path` };
  const files = predictions.files;
  if (!files) return { problem: `the predictions of run ${record.name} list no image files` };
  if (!Number.isInteger(index) || index < 0 || index >= files.length)
    return { problem: `image ${index} is not among the ${files.length} validation images of run ${record.name}` };
  const file = path.resolve(root, files[index]);
  const rel = path.relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel))
    return { problem: `image ${index} of run ${record.name} names ${files[index]}, which is outside its data folder ${root}` };
  return { file };
}
