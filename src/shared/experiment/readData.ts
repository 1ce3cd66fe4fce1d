// Reads the `data:` section: which images train the model — MNIST digits (`source: mnist`, the
// classes to keep, an optional label limit and validation share) or a folder of class subfolders
// (`source: folder`). Kept apart from the other sections because its rules depend on the source.
import { show } from './describeValue';
import { isObject } from './parseContext';
import type { Obj, ParseContext } from './parseContext';
import type { DataSpec } from './types';

export const MNIST_KEYS = ['source', 'classes', 'limit', 'valFraction'];
export const FOLDER_KEYS = ['source', 'path', 'strict'];

export function readData(ctx: ParseContext, root: Obj): DataSpec | undefined {
  const d = root.data;
  if (d === undefined) {
    ctx.error(
      [],
      'missing required key `data:`; add e.g. `data: {source: mnist, classes: [0, 1, 2, 3, 4]}` or `data: {source: folder, path: images}`',
    );
    return undefined;
  }
  if (!isObject(d)) {
    ctx.error(['data'], `data must be a mapping with a source (mnist or folder), got ${show(d)}`);
    return undefined;
  }
  if (d.source === 'mnist') return mnistData(ctx, d);
  if (d.source === 'folder') return folderData(ctx, d);
  if (d.source === undefined) ctx.error(['data'], 'data needs `source: mnist` or `source: folder`', 'key');
  else ctx.error(['data', 'source'], `data.source must be mnist or folder, got ${show(d.source)}`);
  return undefined;
}

function mnistData(ctx: ParseContext, d: Obj): DataSpec | undefined {
  ctx.unknownKeys(d, ['data'], MNIST_KEYS);
  const classes = readClasses(ctx, d.classes);
  const limit =
    d.limit === undefined
      ? undefined
      : ctx.int(['data', 'limit'], d.limit, 1, undefined, 'the number of training labels to use, e.g. `limit: 1000`');
  const valFraction = d.valFraction === undefined ? undefined : ctx.fraction(['data', 'valFraction'], d.valFraction);
  if (!classes || (d.limit !== undefined && limit === undefined) || (d.valFraction !== undefined && valFraction === undefined))
    return undefined;
  const spec: DataSpec = { source: 'mnist', classes };
  if (limit !== undefined) spec.limit = limit;
  if (valFraction !== undefined) spec.valFraction = valFraction;
  return spec;
}

function folderData(ctx: ParseContext, d: Obj): DataSpec | undefined {
  ctx.unknownKeys(d, ['data'], FOLDER_KEYS);
  if (d.path === undefined) {
    ctx.error(['data'], 'data.source folder needs `path:` — the folder holding train/ and val/, one subfolder per class', 'key');
    return undefined;
  }
  const p = ctx.optionalPath(d, ['data', 'path'], 'the folder holding train/ and val/');
  let strict: boolean | undefined;
  if (d.strict !== undefined) {
    if (typeof d.strict !== 'boolean') ctx.error(['data', 'strict'], `data.strict must be true or false, got ${show(d.strict)}`);
    else strict = d.strict;
  }
  if (p === undefined || (d.strict !== undefined && strict === undefined)) return undefined;
  const spec: DataSpec = { source: 'folder', path: p };
  if (strict !== undefined) spec.strict = strict;
  return spec;
}

/** `data.classes`: at least two distinct digits 0–9. */
function readClasses(ctx: ParseContext, v: unknown): number[] | undefined {
  const p = ['data', 'classes'];
  if (v === undefined) {
    ctx.error(['data'], 'data.source mnist needs `classes:` — the digits to use, e.g. `classes: [0, 1, 2, 3, 4]`', 'key');
    return undefined;
  }
  if (!Array.isArray(v) || v.length < 2) {
    ctx.error(p, `data.classes must list at least two digits 0–9, e.g. [0, 1, 2, 3, 4]; got ${show(v)}`);
    return undefined;
  }
  const seen = new Set<number>();
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (!Number.isInteger(c) || c < 0 || c > 9) {
      ctx.error([...p, i], `data.classes[${i}] must be a digit 0–9, got ${show(c)}`);
      return undefined;
    }
    if (seen.has(c)) {
      ctx.error([...p, i], `digit ${c} is listed twice in data.classes; list each digit once`);
      return undefined;
    }
    seen.add(c);
  }
  return v as number[];
}
