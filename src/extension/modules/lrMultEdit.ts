// The Modules view's "Set Learning-Rate Multiplier": a minimal text edit of `train.lrMult` for one
// module, keeping the user's comments, key order and formatting, like the checkboxes' freezeEdit.ts.
// The module gets an entry of its own (`3: 0.5`), which wins over any range holding it (the narrowest
// entry wins, lrMultipliers.ts), so ranges the user wrote are never split or rewritten.
import { parseModuleRange } from '../../shared/experiment/readLr';
import { valueRange } from '../../shared/experiment/freezeEdit';
import type { TextEdit } from '../../shared/experiment/freezeEdit';
import { parseYamlDocument } from '../../shared/experiment/yamlPositions';
import type { YamlEntry, YamlNode } from '../../shared/experiment/yamlPositions';
import { TRAINER_KEY, YOLOV5_TRAINER } from '../../shared/yolov5/settings';

const NONE: TextEdit = { offset: 0, length: 0, newText: '' };

/**
 * The edit that makes module `index` train at `mult` × lr, or with `mult` undefined removes its own
 * entry (whatever range holds it, or 1, applies again). Creates `lrMult:` and `train:` as needed.
 * Throws an Error saying what to do when the file cannot take a multiplier.
 */
export function rewriteLrMult(text: string, index: number, mult: number | undefined): TextEdit {
  if (!Number.isInteger(index) || index < 0) throw new Error(`cannot set a learning-rate multiplier: ${index} is not a module index`);
  if (mult !== undefined && !(Number.isFinite(mult) && mult > 0))
    throw new Error(`a learning-rate multiplier must be above 0, got ${mult}`);
  const { doc, error } = parseYamlDocument(text, '');
  if (!doc) throw new Error(`cannot update train.lrMult: line ${error!.line}, column ${error!.column}: ${error!.message}`);
  const root = doc.root;
  if (root && root.kind !== 'mapping') throw new Error('cannot update train.lrMult: the experiment file is not a mapping of keys');
  const value = (doc.value ?? {}) as { [TRAINER_KEY]?: unknown; train?: { lr?: unknown } };
  if (value[TRAINER_KEY] === YOLOV5_TRAINER)
    throw new Error(
      "YOLOv5's train.py trains every unfrozen module at one learning rate (lr0 in its hyp YAML): a `trainer: yolov5` experiment has no per-module multipliers",
    );
  if (Array.isArray(value.train?.lr))
    throw new Error(
      'the learning rates are spread over the modules by `lr: [min, max]`; per-module multipliers need a single rate: write `lr:` as one value first (lrMult and a range cannot be combined)',
    );
  const entry = `${index}: ${mult}`;
  const train = root?.entries.find((e) => e.key === 'train');
  if (!train) {
    if (mult === undefined) return NONE;
    if (root?.inline) throw new Error('the experiment is written as one flow mapping ({…}); add `train: {lrMult: {…}}` to it by hand');
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
    return { offset: text.length, length: 0, newText: `${sep}train:${eol}  lrMult:${eol}    ${entry}${eol}` };
  }
  const lrMult = train.value.kind === 'mapping' ? train.value.entries.find((e) => e.key === 'lrMult') : undefined;
  if (!lrMult) {
    if (mult === undefined) return NONE;
    if (train.value.kind === 'mapping') return addEntry(text, train.value, `lrMult: {${entry}}`, `lrMult:\n  ${entry}`);
    if (train.value.kind === 'scalar' && train.value.start === train.value.end) {
      const r = valueRange(text, train, doc.lineStarts);
      return { offset: r.offset, length: 0, newText: ` {lrMult: {${entry}}}` };
    }
    throw new Error('cannot update train.lrMult: train is not a mapping; fix it first (see the Problems panel)');
  }
  if (lrMult.value.kind !== 'mapping')
    throw new Error('cannot update train.lrMult: it is not a mapping of modules to multipliers; fix it first (see the Problems panel)');
  const own = lrMult.value.entries.find((e) => {
    const r = parseModuleRange(e.key);
    return r?.from === index && r.to === index;
  });
  if (own && mult !== undefined) {
    const r = valueRange(text, own, doc.lineStarts);
    return { offset: r.offset, length: r.length, newText: r.inline ? `${mult}` : ` ${mult}` };
  }
  if (own) return lrMult.value.entries.length > 1 ? removeEntry(text, lrMult.value, own) : removeEntry(text, train.value, lrMult);
  if (mult === undefined) return NONE;
  return addEntry(text, lrMult.value, entry, entry);
}

/** Adds `flow` to a flow mapping before its `}`, or `block` (lines, `\n`-separated) after a block
 *  mapping's last entry at the indentation of its keys. */
function addEntry(text: string, map: YamlNode, flow: string, block: string): TextEdit {
  if (map.inline) {
    let close = map.end - 1;
    while (close > map.start + 1 && /\s/.test(text[close - 1])) close--;
    return { offset: close, length: 0, newText: map.entries.length ? `, ${flow}` : flow };
  }
  const first = map.entries[0].keyNode.start;
  const indent = ' '.repeat(first - lineStart(text, first));
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  // Before the end of the last entry's line, so that line's own line break ends the new lines.
  const lines = block.split('\n').map((l) => indent + l);
  return { offset: lineEnd(text, map.end), length: 0, newText: eol + lines.join(eol) };
}

/** Removes an entry: from a flow mapping with its comma, from a block mapping with its whole lines. */
function removeEntry(text: string, map: YamlNode, entry: YamlEntry): TextEdit {
  const i = map.entries.indexOf(entry);
  if (map.inline) {
    const next = map.entries[i + 1];
    const prev = map.entries[i - 1];
    const [from, to] = next
      ? [entry.keyNode.start, next.keyNode.start]
      : prev
        ? [prev.value.end, entry.value.end]
        : [entry.keyNode.start, entry.value.end];
    return { offset: from, length: to - from, newText: '' };
  }
  const from = lineStart(text, entry.keyNode.start);
  const nl = text.indexOf('\n', Math.max(entry.value.end, entry.keyNode.end));
  const to = nl < 0 ? text.length : nl + 1;
  return { offset: from, length: to - from, newText: '' };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the end of the line holding `offset` (before its `\r\n` or `\n`). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  if (nl < 0) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}
