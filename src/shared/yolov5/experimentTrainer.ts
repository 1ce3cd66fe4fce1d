// Which trainer an experiment file asks for, read before anything else so `transfer-lab train`
// can hand a `trainer: yolov5` experiment to the YOLOv5 adapter. Only the top-level `trainer:` key
// is looked at; the full parse (with line numbers) happens in whichever trainer runs it.
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';
import { TRAINER_KEY, YOLOV5_KEY, YOLOV5_TRAINER } from './settings';

async function topLevel(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const doc = load(await readFile(file, 'utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the file says `trainer: yolov5`; false when it does not, or cannot be read or parsed
 *  (the built-in trainer then reports that with file and line). */
export async function experimentFileUsesYolov5(file: string): Promise<boolean> {
  return (await topLevel(file))?.[TRAINER_KEY] === YOLOV5_TRAINER;
}

/** For a `trainer: yolov5` experiment: whether it names its interpreter itself (`yolov5.python`).
 *  Undefined for other experiments. */
export async function yolov5NamesPython(file: string): Promise<boolean | undefined> {
  const doc = await topLevel(file);
  if (doc?.[TRAINER_KEY] !== YOLOV5_TRAINER) return undefined;
  const section = doc[YOLOV5_KEY];
  return typeof section === 'object' && section !== null && typeof (section as { python?: unknown }).python === 'string';
}
