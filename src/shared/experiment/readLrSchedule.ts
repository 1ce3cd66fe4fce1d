// Reads `train.schedule:` — how the learning rate moves over the run's steps:
//
//   schedule: constant                                   # the default
//   schedule: { step: { every: 3, gamma: 0.1 } }         # × gamma every 3 epochs (PyTorch StepLR)
//   schedule: cosine                                     # or { cosine: { warmup: 1, min: 0.01 } }
//   schedule: onecycle                                   # or { onecycle: { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 } }
//
// Defaults are PyTorch's (CosineAnnealingLR's eta_min 0 and no warmup; OneCycleLR's pct_start 0.3,
// div_factor 25, final_div_factor 1e4 — the type's lr/(divFactor × finalDivFactor) end is PyTorch's
// meaning, so its defaults go with it; StepLR's gamma 0.1). `step` has no default period, as in PyTorch.
import { show } from './describeValue';
import { isObject } from './parseContext';
import type { ParseContext } from './parseContext';
import type { LrSchedule } from './types';
import type { YamlPath } from './yamlPositions';

export const LR_SCHEDULE_DEFAULTS = {
  step: { gamma: 0.1 },
  cosine: { warmup: 0, min: 0 },
  onecycle: { pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 },
} as const;

const KINDS = ['constant', 'step', 'cosine', 'onecycle'] as const;
type Kind = (typeof KINDS)[number];
const FORMS =
  'write `schedule: constant`, `cosine`, `onecycle`, or a mapping such as `{step: {every: 3, gamma: 0.1}}`, `{cosine: {warmup: 1, min: 0.01}}`, `{onecycle: {pctStart: 0.3}}`';

/** The schedule at train.schedule; `runEpochs` is train.epochs when that was read. `null` after an error. */
export function readLrSchedule(ctx: ParseContext, v: unknown, runEpochs: number | undefined): LrSchedule | null {
  const p = ['train', 'schedule'];
  if (typeof v === 'string' && (KINDS as readonly string[]).includes(v)) return readKind(ctx, v as Kind, {}, [...p], runEpochs);
  if (!isObject(v) || Object.keys(v).length !== 1) {
    ctx.error(p, `train.schedule must be one schedule, got ${isObject(v) ? 'a mapping of several keys' : show(v)}; ${FORMS}`);
    return null;
  }
  const [kind] = Object.keys(v);
  if (!(KINDS as readonly string[]).includes(kind)) {
    ctx.unknownKeys(v, p, KINDS);
    return null;
  }
  const settings = v[kind] ?? {};
  if (!isObject(settings)) {
    ctx.error([...p, kind], `train.schedule.${kind} must be a mapping of its settings, got ${show(settings)}; ${FORMS}`);
    return null;
  }
  return readKind(ctx, kind as Kind, settings, [...p, kind], runEpochs);
}

function readKind(
  ctx: ParseContext,
  kind: Kind,
  s: Record<string, unknown>,
  p: YamlPath,
  runEpochs: number | undefined,
): LrSchedule | null {
  const before = ctx.diagnostics.length;
  const num = (key: string, ok: (n: number) => boolean, rule: string, dflt?: number): number => {
    const v = s[key];
    if (v === undefined) {
      if (dflt === undefined) ctx.error(p, `train.schedule.${kind} needs \`${key}:\`, ${rule}`);
      return dflt ?? NaN;
    }
    if (typeof v === 'number' && Number.isFinite(v) && ok(v)) return v;
    ctx.error([...p, key], `train.schedule.${kind}.${key} must be ${rule}; got ${show(v)}`);
    return NaN;
  };
  let out: LrSchedule;
  if (kind === 'constant') {
    ctx.unknownKeys(s, p, []);
    out = { kind };
  } else if (kind === 'step') {
    ctx.unknownKeys(s, p, ['every', 'gamma']);
    const every = num('every', (n) => Number.isInteger(n) && n >= 1, 'a whole number of epochs ≥ 1, e.g. `every: 3`');
    const gamma = num('gamma', (n) => n > 0 && n < 1, 'the factor applied at each step, between 0 and 1, e.g. `gamma: 0.1`', 0.1);
    out = { kind, every, gamma };
    if (runEpochs !== undefined && every >= runEpochs)
      ctx.warning(
        [...p, 'every'],
        `the rate never steps down: the run has ${runEpochs} epochs (train.epochs); use an \`every\` below that`,
      );
  } else if (kind === 'cosine') {
    ctx.unknownKeys(s, p, ['warmup', 'min']);
    const d = LR_SCHEDULE_DEFAULTS.cosine;
    const warmup = num('warmup', (n) => n >= 0, 'epochs of linear warm-up from 0, ≥ 0 (fractions allowed), e.g. `warmup: 1`', d.warmup);
    const min = num('min', (n) => n >= 0 && n < 1, 'the final rate as a fraction of lr, from 0 to below 1, e.g. `min: 0.01`', d.min);
    out = { kind, warmup, min };
    if (runEpochs !== undefined && warmup >= runEpochs)
      ctx.error(
        [...p, 'warmup'],
        `the warm-up of ${warmup} epochs leaves nothing of the ${runEpochs}-epoch run (train.epochs) to decay in: use a shorter warmup`,
      );
  } else {
    ctx.unknownKeys(s, p, ['pctStart', 'divFactor', 'finalDivFactor']);
    const d = LR_SCHEDULE_DEFAULTS.onecycle;
    const pctStart = num(
      'pctStart',
      (n) => n > 0 && n < 1,
      'the fraction of the steps spent rising, between 0 and 1, e.g. `pctStart: 0.3`',
      d.pctStart,
    );
    const divFactor = num('divFactor', (n) => n >= 1, 'at least 1: the rate starts at lr / divFactor, e.g. `divFactor: 25`', d.divFactor);
    const finalDivFactor = num(
      'finalDivFactor',
      (n) => n >= 1,
      'at least 1: the rate ends at lr / (divFactor × finalDivFactor), e.g. `finalDivFactor: 1e4`',
      d.finalDivFactor,
    );
    out = { kind, pctStart, divFactor, finalDivFactor };
  }
  return ctx.diagnostics.slice(before).some((d) => d.severity === 'error') ? null : out;
}
