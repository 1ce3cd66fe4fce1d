// Minimal text edits to the top-level `freeze:` value, so writing checkbox changes back into an
// experiment keeps the user's comments, key order and formatting untouched.
//
// When `freeze:` is a schedule, the checkboxes show its first phase (Experiment.freeze), so a click
// edits that phase in place and keeps the schedule: `schedule[0].freeze` is rewritten, or for the
// gradual form `from` (a module count above `to`; anything else is refused with what to write).
import type { FreezeSpec } from './types';
import { formatFreeze } from '../freezeText';
import { offsetToPosition, parseYamlDocument } from './yamlPositions';
import type { YamlEntry } from './yamlPositions';

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
  return entry && valueRange(text, entry, root.lineStarts);
}

/** The source range of a mapping entry's value; `line`/`column` are the key's. */
export function valueRange(text: string, entry: YamlEntry, lineStarts: number[]): FreezeRange {
  const pos = offsetToPosition(lineStarts, entry.keyNode.start);
  const v = entry.value;
  if (v.inline && v.end > v.start) return { offset: v.start, length: v.end - v.start, inline: true, ...pos };
  // Empty or multi-line value: replace everything from just after the colon.
  const colon = text.indexOf(':', entry.keyNode.end) + 1;
  return { offset: colon, length: Math.max(v.end, colon) - colon, inline: false, ...pos };
}

/** The edit that sets the top-level freeze value (a schedule's first phase); appends a `freeze:`
 *  line when there is none. Throws an Error saying what to do when a gradual schedule cannot take it. */
export function rewriteFreeze(text: string, spec: FreezeSpec): TextEdit {
  const value = formatFreeze(spec, 'yaml');
  const root = rootMapping(text);
  const top = root.node?.entries.find((e) => e.key === 'freeze');
  const entry = top?.value.kind === 'mapping' ? firstPhaseEntry(top, root.value, spec) : top;
  const range = entry && valueRange(text, entry, root.lineStarts);
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

/** The entry holding a schedule's first freeze: `schedule[0].freeze`, or gradual's `from`. */
function firstPhaseEntry(top: YamlEntry, value: unknown, spec: FreezeSpec): YamlEntry {
  const find = (entries: YamlEntry[] | undefined, key: string): YamlEntry | undefined => entries?.find((e) => e.key === key);
  const phases = find(top.value.entries, 'schedule')?.value;
  const phase = phases?.kind === 'sequence' ? find(phases.items[0]?.entries, 'freeze') : undefined;
  if (phase) return phase;
  const from = find(find(top.value.entries, 'gradual')?.value.entries, 'from');
  if (!from) throw new Error('cannot update freeze: it is a mapping without a first phase to edit; fix `freeze:` (see the Problems panel)');
  const gradual = (value as { freeze?: { gradual?: { to?: unknown } } }).freeze?.gradual;
  const to = typeof gradual?.to === 'number' ? gradual.to : 0;
  if (typeof spec !== 'number' || spec <= to) {
    throw new Error(
      `freeze is a gradual schedule, which unfreezes by module count: the checkboxes set its start (\`from\`), a count of modules above \`to\` (${to}) frozen from model.0 on. ` +
        'To freeze other modules or single layers first, write `freeze: {schedule: [...]}` phases instead.',
    );
  }
  return from;
}

function rootMapping(text: string) {
  const { doc, error } = parseYamlDocument(text, '');
  if (!doc) throw new Error(`cannot update freeze: line ${error!.line}, column ${error!.column}: ${error!.message}`);
  if (doc.root && doc.root.kind !== 'mapping') {
    throw new Error('cannot update freeze: the experiment file is not a mapping of keys');
  }
  return { node: doc.root, lineStarts: doc.lineStarts, value: doc.value };
}
