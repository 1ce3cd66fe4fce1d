// What the user types into "Set Learning-Rate Multiplier…": a multiplier of `train.lr` above 0
// (`0.1`, `1e-2`, `×0.1`), or nothing to remove the module's own entry. Pure: unit-tested.

export type MultInput = { mult: number | undefined } | { error: string };

export function parseMultInput(text: string): MultInput {
  const t = text.trim().replace(/^[x×*]\s*/i, '');
  if (t === '') return { mult: undefined };
  // Number() alone would take '0x10', 'Infinity' or '' forms the file would not read back as meant.
  if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t))
    return { error: `"${text.trim()}" is not a number: type a multiplier of lr such as 0.1 (10 times slower) or 2, or leave it empty` };
  const mult = Number(t);
  if (!(mult > 0) || !Number.isFinite(mult))
    return { error: 'the multiplier must be above 0 (0 would stop the module learning: freeze it instead)' };
  return { mult };
}
