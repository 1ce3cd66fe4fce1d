// Top-level keys beyond the core ones (model, data, train, freeze…): a feature's section
// (`slurm:`, `yolov5:`…) is checked by that feature and kept in `extra`; any other key is warned
// about with a guess at what was meant, and is kept too. A warning rather than an error, so the
// editor still shows the model; training refuses unknown keys later (unknownKeys.ts).
import * as path from 'node:path';
import { closest } from './describeValue';
import type { Obj, ParseContext } from './parseContext';
import { FOLDER_KEYS, MNIST_KEYS } from './readData';
import { TRAIN_KEYS } from './readTrain';
import type { ExperimentSection } from './sectionTypes';
import { EXPERIMENT_SECTIONS } from './sections';

export const CORE_KEYS = ['name', 'model', 'weights', 'pretrain', 'python', 'data', 'train', 'freeze'] as const;

const NESTED_KEYS: ReadonlyArray<[section: string, keys: readonly string[]]> = [
  ['train', TRAIN_KEYS],
  ['data', [...MNIST_KEYS, ...FOLDER_KEYS]],
];

/** The fixed sections (sections.ts) plus those a caller adds, by key; a caller's wins. */
export function sectionsByKey(extraSections: readonly ExperimentSection[]): Map<string, ExperimentSection> {
  const sections = new Map(EXPERIMENT_SECTIONS.map((s) => [s.key, s]));
  for (const s of extraSections) sections.set(s.key, s);
  return sections;
}

/** `; did you mean 'freeze'?` for a misspelt top-level key, or `train.optimizer` for a setting
 *  written at the top level that belongs in a section (`optimiser: sgd`). */
function didYouMean(key: string, known: readonly string[]): string {
  const top = closest(key, known);
  if (top) return `; did you mean '${top}'?`;
  for (const [section, keys] of NESTED_KEYS) {
    const inner = closest(key, keys);
    if (inner) return `; did you mean '${inner}' under '${section}:'?`;
  }
  return '';
}

/** Checks every non-core top-level key and returns them all, as written, for `Experiment.extra`. */
export function readOtherKeys(ctx: ParseContext, root: Obj, sections: Map<string, ExperimentSection>): Obj {
  const extra: Obj = {};
  for (const key of Object.keys(root)) {
    if ((CORE_KEYS as readonly string[]).includes(key)) continue;
    extra[key] = root[key];
    const section = sections.get(key);
    if (section) {
      section.check?.(root[key], {
        error: (p, m) => ctx.error([key, ...p], m),
        warning: (p, m) => ctx.warning([key, ...p], m),
        resolvePath: (p) => path.resolve(ctx.dir, p),
      });
      continue;
    }
    const known = [...CORE_KEYS, ...sections.keys()];
    ctx.report(
      'warning',
      [key],
      `unknown key '${key}' is ignored${didYouMean(key, known)} (known keys: ${known.join(', ')})`,
      'key',
      'unknown-key',
    );
  }
  return extra;
}
