// Minimal text edits to the top-level `freeze:` value, so writing checkbox changes back into an
// experiment keeps the user's comments, key order and formatting untouched.
import type { FreezeSpec } from './types';
import { formatFreeze } from '../freezeText';
import { offsetToPosition, parseYamlDocument } from './yamlPositions';

export interface TextEdit {
  /** Zero-based offset into the text. */
  offset: number;
  /** Number of characters replaced (0 = insertion). */
  length: number;
  newText: string;
}

export interface FreezeRange {
  offset: number;
  length: number;
  /** True when the range is the inline value itself (`10`, `[0, 1]`); false when it starts right
   *  after `freeze:` (no value, or a block list/scalar on the following lines). */
  inline: boolean;
  /** 1-based position of the `freeze` key, for diagnostics. */
  line: number;
  column: number;
}

/** The source range of the top-level `freeze:` value, or undefined when the key is absent.
 *  Throws an Error naming line and column when the text is not valid YAML. */
export function findFreezeRange(text: string): FreezeRange | undefined {
  return locateFreeze(text, rootMapping(text));
}

function locateFreeze(text: string, root: ReturnType<typeof rootMapping>): FreezeRange | undefined {
  const entry = root.node?.entries.find((e) => e.key === 'freeze');
  if (!entry) return undefined;
  const pos = offsetToPosition(root.lineStarts, entry.keyNode.start);
  const v = entry.value;
  if (v.inline && v.end > v.start) return { offset: v.start, length: v.end - v.start, inline: true, ...pos };
  // Empty or multi-line value: replace everything from just after the colon.
  const colon = text.indexOf(':', entry.keyNode.end) + 1;
  return { offset: colon, length: Math.max(v.end, colon) - colon, inline: false, ...pos };
}

/** The edit that sets the top-level freeze value; appends a `freeze:` line when there is none. */
export function rewriteFreeze(text: string, spec: FreezeSpec): TextEdit {
  const value = formatFreeze(spec, 'yaml');
  const root = rootMapping(text);
  const range = locateFreeze(text, root);
  if (range) return { offset: range.offset, length: range.length, newText: range.inline ? value : ` ${value}` };
  if (root.node && root.node.inline) {
    throw new Error('the experiment is written as one flow mapping ({…}); add `freeze:` to it by hand');
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
  return { offset: text.length, length: 0, newText: `${sep}freeze: ${value}${eol}` };
}

export function applyEdit(text: string, edit: TextEdit): string {
  return text.slice(0, edit.offset) + edit.newText + text.slice(edit.offset + edit.length);
}

function rootMapping(text: string) {
  const { doc, error } = parseYamlDocument(text, '');
  if (!doc) throw new Error(`cannot update freeze: line ${error!.line}, column ${error!.column}: ${error!.message}`);
  if (doc.root && doc.root.kind !== 'mapping') {
    throw new Error('cannot update freeze: the experiment file is not a mapping of keys');
  }
  return { node: doc.root, lineStarts: doc.lineStarts };
}
