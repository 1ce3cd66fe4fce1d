// Reads a plain freeze value — what stays fixed while training, with YOLOv5's `--freeze N` meaning: a
// count N freezes modules model.0 … model.N-1; a list names module indices and parameter-name prefixes.
// Its own module because the freeze value is what the Modules view and sweeps are about; the same
// rules apply to `freeze:` itself and to each phase of a freeze schedule (readFreezeSchedule.ts).
import { dotted, show } from './describeValue';
import type { ParseContext } from './parseContext';
import type { FreezeSpec } from './types';
import type { YamlPath } from './yamlPositions';

export const FREEZE_HINT =
  "write a module count (`freeze: 10` freezes model.0–model.9) or a list of module indices and layer names (`freeze: [0, 1, 'model.3.bn']`)";

/** A plain freeze value at `p` (`freeze`, or a schedule phase's `freeze`); undefined after an error. */
export function readFreeze(ctx: ParseContext, v: unknown, p: YamlPath = ['freeze'], hint = FREEZE_HINT): FreezeSpec | undefined {
  const name = dotted(p);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0) return v;
    ctx.error(p, `${name} must be a whole number ≥ 0, got ${v}; ${hint}`);
    return undefined;
  }
  if (!Array.isArray(v)) {
    ctx.error(p, `${name} must be a number or a list, got ${show(v)}; ${hint}`);
    return undefined;
  }
  const out: Array<number | string> = [];
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === 'number' && Number.isInteger(x) && x >= 0) out.push(x);
    else if (typeof x === 'string' && x.trim() && !/\s/.test(x.trim())) out.push(x.trim());
    else {
      ctx.error([...p, i], `${name}[${i}] must be a module index ≥ 0 or a parameter-name prefix like 'model.3.bn', got ${show(x)}`);
      return undefined;
    }
  }
  return out;
}
