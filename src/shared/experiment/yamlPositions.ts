// YAML parsing that keeps source positions, so every diagnostic can point at the key or value to
// fix. js-yaml 5 exposes its event stream with offsets (`parseEvents`); we build a small position
// tree from it and construct the plain value from the same events (one parse, not two).
import { constructFromEvents, getScalarValue, parseEvents, YAMLException } from 'js-yaml';
import type { Event, ScalarEvent } from 'js-yaml';
import type { FileDiagnostic } from './types';

// Event and style ids, mirrored as literals: js-yaml's EVENT_ID / SCALAR_STYLE are runtime objects.
const DOCUMENT = 1,
  SEQUENCE = 2,
  MAPPING = 3,
  SCALAR = 4,
  ALIAS = 5,
  POP = 6;
const SINGLE_QUOTED = 2,
  DOUBLE_QUOTED = 3,
  LITERAL_BLOCK = 4,
  FOLDED_BLOCK = 5;
const FLOW = 2;

export type YamlPath = ReadonlyArray<string | number>;

export interface YamlNode {
  kind: 'scalar' | 'sequence' | 'mapping' | 'alias';
  /** Zero-based source range [start, end), quotes and brackets included. Empty values
   *  (`key:` with nothing after it) have start === end, placed right after the `:`. */
  start: number;
  end: number;
  /** `[a, b]`, `{a: 1}`, plain or quoted scalars and aliases sit inline on their line;
   *  block collections and `|`/`>` scalars span lines below their key. */
  inline: boolean;
  items: YamlNode[];
  entries: YamlEntry[];
}

export interface YamlEntry {
  key: string;
  keyNode: YamlNode;
  value: YamlNode;
}

export interface YamlDocument {
  text: string;
  /** The constructed value (as js-yaml's `load` returns it). */
  value: unknown;
  /** Position tree of the value; undefined for an empty document. */
  root?: YamlNode;
  lineStarts: number[];
}

export interface Position {
  line: number;
  column: number;
}

/** Parses one YAML document. Broken YAML gives one error diagnostic at js-yaml's mark. */
export function parseYamlDocument(text: string, file: string): { doc?: YamlDocument; error?: FileDiagnostic } {
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, { filename: file });
    docs = constructFromEvents(events, { source: text, filename: file });
  } catch (e) {
    return { error: yamlErrorDiagnostic(e, file) };
  }
  const lineStarts = computeLineStarts(text);
  if (docs.length > 1) {
    const second = secondDocumentOffset(events);
    const pos = offsetToPosition(lineStarts, second ?? 0);
    return {
      error: {
        file,
        ...pos,
        severity: 'error',
        message: 'the file holds more than one YAML document (`---`); keep a single document per file',
      },
    };
  }
  const builder = new TreeBuilder(events, text);
  const root = builder.document();
  return { doc: { text, value: docs.length ? docs[0] : undefined, root, lineStarts } };
}

function secondDocumentOffset(events: Event[]): number | undefined {
  let seen = 0;
  for (const e of events) {
    if (e.type === DOCUMENT) seen++;
    if (seen === 2 && (e.type === MAPPING || e.type === SEQUENCE)) return e.start;
    if (seen === 2 && e.type === SCALAR && e.valueStart >= 0) return e.valueStart;
  }
  return undefined;
}

export function yamlErrorDiagnostic(e: unknown, file: string): FileDiagnostic {
  if (e instanceof YAMLException) {
    const line = e.mark ? e.mark.line + 1 : 1;
    const column = e.mark ? e.mark.column + 1 : 1;
    return {
      file,
      line,
      column,
      severity: 'error',
      message: `YAML syntax error: ${e.reason}. Fix the YAML at this place (indentation, brackets, quotes or a duplicated key).`,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { file, line: 1, column: 1, severity: 'error', message: `cannot parse YAML: ${message}` };
}

class TreeBuilder {
  private i = 0;
  constructor(
    private readonly events: Event[],
    private readonly text: string,
  ) {}

  document(): YamlNode | undefined {
    const ev = this.events;
    if (!ev.length || ev[0].type !== DOCUMENT) return undefined;
    this.i = 1;
    if (ev[this.i]?.type === POP) return undefined;
    return this.node(0);
  }

  /** Builds the node at the cursor; `after` is where the previous token ended (for empty values). */
  private node(after: number): YamlNode {
    const e = this.events[this.i++];
    switch (e.type) {
      case SCALAR:
        return this.scalar(e, after);
      case ALIAS:
        return leaf('alias', e.anchorStart - 1, e.anchorEnd, true);
      case SEQUENCE: {
        const node = leaf('sequence', e.start, e.start, e.style === FLOW);
        let end = e.start + 1;
        while (this.events[this.i].type !== POP) {
          const item = this.node(end);
          node.items.push(item);
          end = Math.max(end, item.end);
        }
        this.i++;
        node.end = node.inline ? flowCollectionEnd(this.text, e.start) : lastEnd(node, e.start);
        return node;
      }
      case MAPPING: {
        const node = leaf('mapping', e.start, e.start, e.style === FLOW);
        let end = e.start;
        while (this.events[this.i].type !== POP) {
          const keyEvent = this.events[this.i];
          const keyNode = this.node(end);
          const key = keyEvent.type === SCALAR ? getScalarValue(this.text, keyEvent) : this.text.slice(keyNode.start, keyNode.end);
          const colon = keyNode.end >= 0 ? colonAfter(this.text, keyNode.end) : keyNode.end;
          const value = this.node(colon);
          node.entries.push({ key, keyNode, value });
          end = Math.max(keyNode.end, value.end);
        }
        this.i++;
        node.end = node.inline ? flowCollectionEnd(this.text, e.start) : lastEnd(node, e.start);
        return node;
      }
      default:
        throw new Error(`unexpected YAML event ${e.type}`);
    }
  }

  private scalar(e: ScalarEvent, after: number): YamlNode {
    if (e.valueStart < 0) return leaf('scalar', after, after, true);
    const quoted = e.style === SINGLE_QUOTED || e.style === DOUBLE_QUOTED;
    const block = e.style === LITERAL_BLOCK || e.style === FOLDED_BLOCK;
    return leaf('scalar', quoted ? e.valueStart - 1 : e.valueStart, quoted ? e.valueEnd + 1 : e.valueEnd, !block);
  }
}

function leaf(kind: YamlNode['kind'], start: number, end: number, inline: boolean): YamlNode {
  return { kind, start, end, inline, items: [], entries: [] };
}

function lastEnd(node: YamlNode, fallback: number): number {
  let end = fallback;
  for (const item of node.items) end = Math.max(end, item.end);
  for (const entry of node.entries) end = Math.max(end, entry.keyNode.end, entry.value.end);
  return end;
}

/** Offset just after the `:` that follows a mapping key (keys may be followed by spaces). */
function colonAfter(text: string, keyEnd: number): number {
  let i = keyEnd;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text[i] === ':' ? i + 1 : keyEnd;
}

/** End offset (exclusive) of the flow collection opening at `start`, skipping quoted strings and
 *  comments, so a rewrite can replace exactly `[ … ]` and keep what follows. */
export function flowCollectionEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === "'") {
      i++;
      while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < text.length && text[i] !== '\n') i++;
    }
  }
  return text.length;
}

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of a zero-based offset. */
export function offsetToPosition(lineStarts: number[], offset: number): Position {
  let lo = 0,
    hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
}

/** The node at a key path (`['train', 'epochs']`, `['backbone', 3]`), if present. */
export function nodeAtPath(root: YamlNode | undefined, path: YamlPath): YamlNode | undefined {
  let node = root;
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') node = node.kind === 'sequence' ? node.items[seg] : undefined;
    else node = node.kind === 'mapping' ? node.entries.find((e) => e.key === seg)?.value : undefined;
  }
  return node;
}

/** The mapping entry whose key ends the path, if present. */
export function entryAtPath(root: YamlNode | undefined, path: YamlPath): YamlEntry | undefined {
  if (!path.length) return undefined;
  const parent = nodeAtPath(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (!parent || parent.kind !== 'mapping' || typeof last !== 'string') return undefined;
  return parent.entries.find((e) => e.key === last);
}

/**
 * Where to report a problem with the thing at `path`: its value (default) or its key. When the
 * path does not exist (a missing key), the deepest existing ancestor's key is used, then 1:1.
 */
export function positionOf(doc: YamlDocument, path: YamlPath, part: 'key' | 'value' = 'value'): Position {
  for (let n = path.length; n > 0; n--) {
    const sub = path.slice(0, n);
    const exact = n === path.length;
    if (exact && part === 'value') {
      const node = nodeAtPath(doc.root, sub);
      if (node && node.start >= 0) return offsetToPosition(doc.lineStarts, node.start);
    }
    const entry = entryAtPath(doc.root, sub);
    if (entry) return offsetToPosition(doc.lineStarts, entry.keyNode.start);
    const node = nodeAtPath(doc.root, sub);
    if (node && node.start >= 0) return offsetToPosition(doc.lineStarts, node.start);
  }
  if (doc.root && doc.root.start >= 0) return offsetToPosition(doc.lineStarts, doc.root.start);
  return { line: 1, column: 1 };
}

/** 1-based line of the thing at `path` (the helper validation uses to point at a key or value). */
export function lineOf(doc: YamlDocument, path: YamlPath, part: 'key' | 'value' = 'value'): number {
  return positionOf(doc, path, part).line;
}
