// The classes of a YOLOv5 dataset YAML. YOLOv5 builds the model with the dataset's class count, not
// the model YAML's, so parameter counts need it. v7.0's check_dataset sets nc = len(names) (a list
// or an {index: name} mapping) whatever `nc:` says; older versions read `nc:` and insist that names
// agree. So names count when present, else `nc:`. The YAML is found as train.py finds it: relative
// to the YOLOv5 folder, else under its data/ folder. Pure Node.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { explainFileError } from '../system/fileErrors';
import { isMissing } from '../system/missingFile';

export interface DatasetClasses {
  nc?: number;
  /** Class names in index order, when the YAML lists them. */
  names?: string[];
  /** The file read, when one was found. */
  file?: string;
  /** Why the class count was not read, or what YOLOv5 will do differently from what the YAML says. */
  problem?: string;
}

/** The --data value train.py uses when none is given. */
export const YOLOV5_DEFAULT_DATA = 'data/coco128.yaml';

export async function yolov5DatasetClasses(folder: string, data: string | undefined): Promise<DatasetClasses> {
  if (!data) return {};
  if (/^[a-z]+:\/\//i.test(data) || /\.(zip|tar|gz)$/i.test(data)) return { problem: `${data} is fetched or unpacked by YOLOv5 itself` };
  const candidates = path.isAbsolute(data) ? [data] : [path.resolve(folder, data), path.join(folder, 'data', data)];
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      // Not there: try the next place YOLOv5 looks. There but unreadable (a folder of that name,
      // permissions): YOLOv5 would fail on it too, so say so rather than look elsewhere.
      if (isMissing(e)) continue;
      return { file, problem: explainFileError(e) ?? `${file} cannot be read (${e instanceof Error ? e.message : String(e)})` };
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch (e) {
      return { file, problem: `${file} is not valid YAML (${(e as Error).message.split('\n')[0]})` };
    }
    if (typeof doc !== 'object' || doc === null) return { file, problem: `${file} is not a YAML mapping with names:` };
    return classesOf(doc as { nc?: unknown; names?: unknown }, file);
  }
  return { problem: `${data} was not found in ${folder} or its data/ folder` };
}

function classesOf(d: { nc?: unknown; names?: unknown }, file: string): DatasetClasses {
  const yamlNc = typeof d.nc === 'number' && Number.isInteger(d.nc) && d.nc > 0 ? d.nc : undefined;
  let names: string[] | undefined;
  if (Array.isArray(d.names)) names = d.names.map(String);
  else if (typeof d.names === 'object' && d.names !== null) {
    const entries = Object.entries(d.names as Record<string, unknown>).sort(([a], [b]) => Number(a) - Number(b));
    names = entries.map(([, v]) => String(v));
  }
  if (names?.length) {
    const out: DatasetClasses = { nc: names.length, names, file };
    if (yamlNc !== undefined && yamlNc !== names.length)
      out.problem = `${file} says nc: ${yamlNc} but lists ${names.length} names; YOLOv5 v7.0 uses the ${names.length} names`;
    return out;
  }
  if (yamlNc !== undefined) return { nc: yamlNc, file };
  return { file, problem: `${file} has neither names: nor nc:` };
}
