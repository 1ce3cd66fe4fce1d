// How parse problems reach people: one line per problem as `file:line:column: severity: message`
// (the form editors and terminals turn into links), and the error loadExperiment throws. Its own
// module so code that only prints diagnostics (unknownKeys.ts, the CLI) need not import the parser.
import type { FileDiagnostic } from './types';
import { UserError } from '../userError';

/** Thrown by loadExperiment; the message names file:line:column and the fix for each error. */
export class ExperimentError extends UserError {
  constructor(
    readonly file: string,
    readonly diagnostics: FileDiagnostic[],
  ) {
    super(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
    this.name = 'ExperimentError';
  }
}

export function formatDiagnostic(d: FileDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;
}

export function formatDiagnostics(diags: FileDiagnostic[]): string {
  return diags.map(formatDiagnostic).join('\n');
}
