// The minimal text edit that sets `train.lr` (the LR finder's "Use … as train.lr"), leaving every
// other character of the experiment — comments, key order, formatting — as it was, like freezeEdit.
import { formatLr, roundLr } from '../../shared/lrFind/lrText';
import type { TextEdit } from '../../shared/experiment/freezeEdit';
import { parseYamlDocument, type YamlNode } from '../../shared/experiment/yamlPositions';

function cannot(why: string): Error {
  return new Error(`cannot set train.lr: ${why}`);
}

/** The new value: a plain rate, or for fastai's spread `lr: [min, max]` the same spread ending at `lr`. */
function lrValue(text: string, node: YamlNode, lr: number): string {
  if (node.kind === 'scalar') return formatLr(lr);
  const items = node.items.map((i) => Number(text.slice(i.start, i.end)));
  if (node.kind === 'sequence' && node.inline && items.length === 2 && items.every((v) => v > 0 && Number.isFinite(v)))
    return `[${formatLr(roundLr((items[0] * lr) / items[1]))}, ${formatLr(lr)}]`;
  throw cannot('its value is neither a number nor a [min, max] pair; edit it by hand');
}

/** Offset just past the line that holds `offset - 1` (where a new sibling line goes). */
function nextLineStart(text: string, offset: number): { at: number; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (offset > 0 && text[offset - 1] === '\n') return { at: offset, eol: '' };
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? { at: text.length, eol } : { at: nl + 1, eol: '' };
}

/** The edit that makes the experiment's `train.lr` read `lr` (two significant digits, `1.2e-3`). */
export function rewriteTrainLr(text: string, lr: number): TextEdit {
  const { doc, error } = parseYamlDocument(text, '');
  if (!doc) throw cannot(`line ${error!.line}, column ${error!.column}: ${error!.message}`);
  const root = doc.root;
  if (root && root.kind !== 'mapping') throw cannot('the experiment file is not a mapping of keys');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const train = root?.entries.find((e) => e.key === 'train');
  if (!train) {
    if (root?.inline) throw cannot('the experiment is written as one flow mapping ({…}); add `train: {lr: …}` by hand');
    const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
    return { offset: text.length, length: 0, newText: `${sep}train:${eol}  lr: ${formatLr(lr)}${eol}` };
  }
  const t = train.value;
  if (t.kind !== 'mapping' || t.inline || t.entries.length === 0) throw cannot('`train:` is not a block of keys; edit it by hand');
  const entry = t.entries.find((e) => e.key === 'lr');
  if (entry) return { offset: entry.value.start, length: entry.value.end - entry.value.start, newText: lrValue(text, entry.value, lr) };
  // A new `lr:` line after train's last key, indented as its first.
  const first = t.entries[0].keyNode.start;
  const indent = first - (text.lastIndexOf('\n', first - 1) + 1);
  const last = t.entries[t.entries.length - 1].value;
  const { at, eol: lead } = nextLineStart(text, last.end);
  return { offset: at, length: 0, newText: `${lead}${' '.repeat(indent)}lr: ${formatLr(lr)}${eol}` };
}
