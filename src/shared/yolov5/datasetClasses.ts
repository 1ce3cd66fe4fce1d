// The class count of a YOLOv5 dataset YAML (`nc:`, else the length of `names:`). YOLOv5 builds the
// model with the dataset's nc, not the model YAML's, so parameter counts need it. The YAML is found
// as train.py finds it: relative to the YOLOv5 folder, else under its data/ folder. Pure Node.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { load } from 'js-yaml';

export interface DatasetClasses {
  nc?: number;
  /** The file read, when one was found. */
  file?: string;
}

export async function yolov5DatasetClasses(folder: string, data: string | undefined): Promise<DatasetClasses> {
  if (!data || /^[a-z]+:\/\//i.test(data)) return {};
  const candidates = path.isAbsolute(data) ? [data] : [path.resolve(folder, data), path.join(folder, 'data', data)];
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch {
      return { file };
    }
    if (typeof doc !== 'object' || doc === null) return { file };
    const d = doc as { nc?: unknown; names?: unknown };
    if (typeof d.nc === 'number' && Number.isInteger(d.nc) && d.nc > 0) return { nc: d.nc, file };
    if (Array.isArray(d.names) && d.names.length > 0) return { nc: d.names.length, file };
    if (typeof d.names === 'object' && d.names !== null && Object.keys(d.names).length > 0) return { nc: Object.keys(d.names).length, file };
    return { file };
  }
  return {};
}
