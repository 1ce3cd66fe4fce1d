// What a freeze sweep trains: the seed's standard set (nothing frozen, the backbone, all but the
// head) for the experiment's model, plus values the user types. Pure: unit-tested.
import type { FreezeSpec } from '../experiment/types';
import type { ModelSummary } from '../model/types';
import { freezeAllButHeadSpec, freezeBackboneSpec, unfreezeAllSpec } from '../freeze';
import { formatFreeze } from '../freezeText';

export interface FreezeChoice {
  freeze: FreezeSpec;
  /** What the value means for this model, e.g. "backbone: modules 0–9". */
  label: string;
  detail: string;
}

export function standardFreezeChoices(model: ModelSummary): FreezeChoice[] {
  const n = model.modules.length;
  const choices: FreezeChoice[] = [{ freeze: unfreezeAllSpec(), label: 'nothing frozen', detail: 'train every module (the baseline)' }];
  const add = (c: FreezeChoice) => {
    if (!choices.some((x) => sameFreeze(x.freeze, c.freeze))) choices.push(c);
  };
  const bb = freezeBackboneSpec(model);
  if (model.backboneLength !== undefined && typeof bb === 'number' && bb > 0) {
    add({ freeze: bb, label: 'backbone', detail: `freeze modules 0–${bb - 1} (the backbone: section)` });
  }
  const head = freezeAllButHeadSpec(model);
  if (n > 1 && typeof head === 'number' && head > 0) {
    add({ freeze: head, label: 'all but head', detail: `freeze modules 0–${head - 1}; only model.${n - 1} trains` });
  }
  return choices;
}

export class FreezeValueError extends Error {}

const LAYER_NAME = /^model\.\d+(\.[A-Za-z0-9_]+)*$/;

function parseItem(tok: string, whole: string): number | string {
  if (/^\d+$/.test(tok)) return Number(tok);
  if (LAYER_NAME.test(tok)) return tok;
  throw new FreezeValueError(
    `"${tok}" in "${whole}" is not a freeze value: use a module count (10), or a list of module indices and layer names in brackets ([0, 3, model.4.bn])`,
  );
}

/**
 * Parses what the user typed: values separated by spaces or commas, where N freezes modules 0…N-1
 * and `[a, b, …]` freezes exactly those modules or layers. `10 [0,3] 24` gives three values.
 */
export function parseFreezeValues(text: string, moduleCount?: number): FreezeSpec[] {
  const out: FreezeSpec[] = [];
  const re = /\[[^\]]*\]?|[^\s,;[\]]+/g;
  for (const m of text.matchAll(re)) {
    const tok = m[0];
    let value: FreezeSpec;
    if (tok.startsWith('[')) {
      if (!tok.endsWith(']')) throw new FreezeValueError(`"${tok}" has no closing "]"`);
      const items = tok
        .slice(1, -1)
        .split(/[\s,]+/)
        .filter((s) => s.length > 0);
      if (items.length === 0) throw new FreezeValueError('"[]" freezes nothing: write 0 for that');
      value = items.map((i) => parseItem(i.replace(/^["']|["']$/g, ''), tok));
    } else {
      const v = parseItem(tok, text);
      if (typeof v === 'string') value = [v];
      else value = v;
    }
    if (moduleCount !== undefined) checkRange(value, moduleCount);
    if (!out.some((o) => sameFreeze(o, value))) out.push(value);
  }
  if (out.length === 0) throw new FreezeValueError('no freeze value given: type module counts like "5 10" or lists like "[0, 3]"');
  return out;
}

function checkRange(value: FreezeSpec, moduleCount: number): void {
  const indices = typeof value === 'number' ? [] : value.map((v) => (typeof v === 'number' ? v : Number(v.split('.')[1])));
  if (typeof value === 'number' && value > moduleCount) {
    throw new FreezeValueError(`freeze ${value} is more than the model's ${moduleCount} modules (the largest count is ${moduleCount})`);
  }
  const bad = indices.find((i) => i >= moduleCount);
  if (bad !== undefined) throw new FreezeValueError(`module ${bad} does not exist: the model has modules 0–${moduleCount - 1}`);
}

/** Whether a value (from a command argument, say) is a FreezeSpec. */
export function isFreezeSpec(x: unknown): x is FreezeSpec {
  if (typeof x === 'number') return Number.isInteger(x) && x >= 0;
  return (
    Array.isArray(x) &&
    x.length > 0 &&
    x.every((i) => (typeof i === 'number' && Number.isInteger(i) && i >= 0) || (typeof i === 'string' && LAYER_NAME.test(i)))
  );
}

export function sameFreeze(a: FreezeSpec, b: FreezeSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The `--freeze` argument: `10`, or a JSON list (`[5]`, `[0,3,"model.4.bn"]`) — a list stays a
 *  list, since `[5]` (module 5 only) is not `5` (modules 0–4). */
export function freezeArg(freeze: FreezeSpec): string {
  return Array.isArray(freeze) ? JSON.stringify(freeze) : String(freeze);
}

/** How a freeze value reads in a row: `freeze 10`, `freeze [0, 3]`. */
export function describeFreeze(freeze: FreezeSpec): string {
  return `freeze ${formatFreeze(freeze)}`;
}
