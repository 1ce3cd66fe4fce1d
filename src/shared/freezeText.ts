// How a freeze value is written as text. One function, two styles, because the two readers differ:
//   'display' — for people (summary table cells, CSV, sweep tables, log lines): `10`,
//               `[0, 3, model.4.bn]`, no quotes to read past;
//   'yaml'    — YAML flow text written into the user's experiment file by the freeze edit: layer
//               names single-quoted (quotes doubled inside) so any name stays a string when the
//               file is parsed again: `[0, 3, 'model.4.bn']`.
// The `--freeze` command argument is a third, machine form (JSON): freezeArg in runs/sweepPlan.ts.
import type { FreezeSpec } from './experiment/types';

export type FreezeTextStyle = 'display' | 'yaml';

/** "0", "10", "[0, 3, model.4.bn]" ('display'), or "[0, 3, 'model.4.bn']" ('yaml'). */
export function formatFreeze(spec: FreezeSpec, style: FreezeTextStyle = 'display'): string {
  if (typeof spec === 'number') return String(spec);
  const item = style === 'yaml' ? (x: number | string) => (typeof x === 'number' ? String(x) : `'${x.replace(/'/g, "''")}'`) : String;
  return `[${spec.map(item).join(', ')}]`;
}
