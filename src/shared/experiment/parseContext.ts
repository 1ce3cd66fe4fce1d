// What every section reader shares while one experiment file is checked: the parsed YAML (for the
// line of each key and value), the file's folder (paths in the file are relative to it), the list
// of problems found so far, and the checks several sections make alike (whole numbers, fractions,
// paths, texts, keys a section does not know). Each section reader takes this instead of being a
// method of one big validator, so a section lives in its own small module.
import * as path from 'node:path';
import { closest, dotted, show } from './describeValue';
import type { FileDiagnostic } from './types';
import { positionOf } from './yamlPositions';
import type { YamlDocument, YamlPath } from './yamlPositions';

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class ParseContext {
  readonly diagnostics: FileDiagnostic[] = [];
  /** The experiment file's folder: relative paths in the file resolve against it. */
  readonly dir: string;

  constructor(
    readonly doc: YamlDocument,
    readonly file: string,
  ) {
    this.dir = path.dirname(file);
  }

  report(
    severity: 'error' | 'warning',
    p: YamlPath,
    message: string,
    part: 'key' | 'value' = 'value',
    code?: FileDiagnostic['code'],
  ): void {
    this.diagnostics.push({ file: this.file, ...positionOf(this.doc, p, part), severity, message, ...(code ? { code } : {}) });
  }

  error(p: YamlPath, message: string, part: 'key' | 'value' = 'value'): void {
    this.report('error', p, message, part);
  }

  warning(p: YamlPath, message: string, part: 'key' | 'value' = 'value'): void {
    this.report('warning', p, message, part);
  }

  optionalString(obj: Obj, p: YamlPath): string | undefined {
    const key = p[p.length - 1] as string;
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v.trim()) {
      this.error(p, `${p.join('.')} must be a non-empty text, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  optionalPath(obj: Obj, p: YamlPath, what: string): string | undefined {
    const key = p[p.length - 1] as string;
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !v.trim()) {
      this.error(p, `${p.join('.')} must be the path of ${what}, relative to this file's folder; got ${show(v)}`);
      return undefined;
    }
    return path.resolve(this.dir, v);
  }

  int(p: YamlPath, v: unknown, min: number, max: number | undefined, example: string): number | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && (max === undefined || v <= max)) return v;
    const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
    this.error(p, `${dotted(p)} must be a whole number ${range}, ${example}; got ${show(v)}`);
    return undefined;
  }

  fraction(p: YamlPath, v: unknown): number | undefined {
    if (typeof v === 'number' && v > 0 && v < 1) return v;
    this.error(p, `${p.join('.')} must be a fraction between 0 and 1 (exclusive), e.g. 0.2; got ${show(v)}`);
    return undefined;
  }

  /** Errors (not warnings) for keys a nested section does not know: inside `data:` or `train:` a
   *  misspelt key is never a feature's section, so there is nothing to go on with. */
  unknownKeys(obj: Obj, p: YamlPath, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const hint = closest(key, known);
      this.error(
        [...p, key],
        `unknown key '${key}' in ${dotted(p)}${hint ? `; did you mean '${hint}'?` : ''} (allowed: ${known.join(', ')})`,
        'key',
      );
    }
  }
}
