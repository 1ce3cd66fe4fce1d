// A top-level key the parser does not know is ignored, so a typo (`frezee: 6`) would train as if
// the line were not there. Whatever starts training — `transfer-lab train`/`sweep`, the editor's
// Start Run — refuses such a file unless told to go on, naming each key's line and what was meant;
// a run that goes on anyway keeps the warnings in its log.
import { formatDiagnostic } from './diagnostics';
import type { Experiment, FileDiagnostic } from './types';
import { UserError } from '../userError';

/** The CLI switch (without its dashes) that trains despite unknown keys. */
export const ALLOW_UNKNOWN_KEYS = 'allow-unknown-keys';

/** The experiment's unknown top-level keys, as the parser reported them (file, line, suggestion). */
export function unknownKeys(exp: Pick<Experiment, 'warnings'>): FileDiagnostic[] {
  return (exp.warnings ?? []).filter((d) => d.code === 'unknown-key');
}

/** What the refusal says: every key at its file:line:column, then how to go on. */
export function unknownKeysMessage(found: FileDiagnostic[], override: string): string {
  const one = found.length === 1;
  return (
    `${found[0].file} has ${one ? 'a key' : `${found.length} keys`} that training would ignore:\n` +
    `${found.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}\n` +
    `Fix or remove ${one ? 'it' : 'them'}, or ${override}.`
  );
}

export class UnknownKeysError extends UserError {
  constructor(readonly diagnostics: FileDiagnostic[]) {
    super(unknownKeysMessage(diagnostics, `pass --${ALLOW_UNKNOWN_KEYS} to train anyway`));
    this.name = 'UnknownKeysError';
  }
}

/** Throws UnknownKeysError when the experiment has unknown keys and they were not allowed. */
export function refuseUnknownKeys(exp: Pick<Experiment, 'warnings'>, allowed: boolean | undefined): void {
  const found = unknownKeys(exp);
  if (found.length > 0 && !allowed) throw new UnknownKeysError(found);
}

/** The parser's warnings as log lines (`file:line:column: warning: …`), for a run's log. */
export function warningLines(exp: Pick<Experiment, 'warnings'>): string[] {
  return (exp.warnings ?? []).map(formatDiagnostic);
}
