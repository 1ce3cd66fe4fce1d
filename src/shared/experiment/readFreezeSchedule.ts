// Reads `freeze:` in all its forms: the plain ones (`freeze: 6`, `freeze: [0, 1, 'model.3.bn']`, read
// by readFreeze.ts) and the schedules that change it during the run:
//
//   freeze: { schedule: [ {epochs: 2, freeze: 8}, {freeze: 0} ] }   # phases in order
//   freeze: { gradual: { from: 8, to: 0, every: 1 } }                  # ULMFiT: one module fewer each `every` epochs
//
// Choices, where the issue left them open: the last phase lasts to the end of the run, so it may leave
// `epochs` out; when it gives a length that differs from what the run leaves it, that is a warning (the
// run still goes on to train.epochs). A phase that would start after the run's last epoch is an error,
// as is a gradual schedule that never reaches `to`: something written that would never happen.
import { dotted, show } from './describeValue';
import { isObject } from './parseContext';
import type { Obj, ParseContext } from './parseContext';
import { FREEZE_HINT, readFreeze } from './readFreeze';
import type { FreezePhase, FreezeSchedule, FreezeSpec } from './types';
import { nodeAtPath } from './yamlPositions';
import type { YamlPath } from './yamlPositions';

export const SCHEDULE_FORMS =
  '`freeze: {schedule: [{epochs: 2, freeze: 8}, {freeze: 0}]}` (phases in order, the last one to the end of the run) or `freeze: {gradual: {from: 8, to: 0, every: 1}}` (one module fewer frozen every `every` epochs)';

export interface FreezeSetting {
  /** The freeze at the first epoch (a schedule's first phase). */
  freeze: FreezeSpec;
  schedule?: FreezeSchedule;
}

/** `freeze:` in any form; 0 when absent. `runEpochs` is train.epochs when that was read. */
export function readFreezeSetting(ctx: ParseContext, v: unknown, runEpochs: number | undefined): FreezeSetting | undefined {
  if (v === undefined) return { freeze: 0 };
  if (!isObject(v)) {
    const freeze = readFreeze(ctx, v, ['freeze'], `${FREEZE_HINT}, or a schedule: ${SCHEDULE_FORMS}`);
    return freeze === undefined ? undefined : { freeze };
  }
  const p = ['freeze'];
  const before = ctx.diagnostics.length;
  ctx.unknownKeys(v, p, ['schedule', 'gradual']);
  if (ctx.diagnostics.length > before) return undefined;
  if (v.schedule !== undefined && v.gradual !== undefined) {
    // At whichever of the two is written second.
    const keys = nodeAtPath(ctx.doc.root, p)?.entries.map((e) => e.key) ?? [];
    const second = keys.indexOf('gradual') > keys.indexOf('schedule') ? 'gradual' : 'schedule';
    ctx.error([...p, second], 'freeze holds both `schedule:` and `gradual:`; keep one of them', 'key');
    return undefined;
  }
  if (v.schedule !== undefined) return readPhases(ctx, v.schedule, runEpochs);
  if (v.gradual !== undefined) return readGradual(ctx, v.gradual, runEpochs);
  ctx.error(p, `freeze as a mapping must hold \`schedule:\` or \`gradual:\`: ${SCHEDULE_FORMS}`);
  return undefined;
}

function readPhases(ctx: ParseContext, list: unknown, runEpochs: number | undefined): FreezeSetting | undefined {
  const p = ['freeze', 'schedule'];
  if (!Array.isArray(list) || list.length === 0) {
    ctx.error(
      p,
      `freeze.schedule must be a list of phases, e.g. [{epochs: 2, freeze: 8}, {freeze: 0}]; got ${Array.isArray(list) ? 'an empty list' : show(list)}`,
    );
    return undefined;
  }
  const phases: Array<{ epochs?: number; freeze: FreezeSpec }> = [];
  for (let i = 0; i < list.length; i++) {
    const phase = readPhase(ctx, list[i], [...p, i], i === list.length - 1);
    if (phase) phases.push(phase);
  }
  if (phases.length < list.length) return undefined;
  if (runEpochs === undefined) return undefined;
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    if (start >= runEpochs) {
      ctx.error(
        [...p, i],
        `freeze.schedule[${i}] would start after epoch ${start}, but the run has ${runEpochs} epochs (train.epochs): shorten the earlier phases or raise train.epochs`,
      );
      return undefined;
    }
    if (i < phases.length - 1) start += phases[i].epochs!;
  }
  const last = phases.length - 1;
  const remaining = runEpochs - start;
  const written = phases[last].epochs;
  if (written !== undefined && written !== remaining) {
    ctx.warning(
      [...p, last, 'epochs'],
      `the last phase lasts to the end of the run: ${remaining} epoch${remaining === 1 ? '' : 's'} with train.epochs: ${runEpochs}, not ${written}; write \`epochs: ${remaining}\` or leave epochs out`,
    );
  }
  const out: FreezePhase[] = phases.map((ph, i) => ({ epochs: i === last ? remaining : ph.epochs!, freeze: ph.freeze }));
  return { freeze: out[0].freeze, schedule: { kind: 'schedule', phases: out } };
}

function readPhase(ctx: ParseContext, item: unknown, p: YamlPath, last: boolean): { epochs?: number; freeze: FreezeSpec } | undefined {
  const name = dotted(p);
  if (!isObject(item)) {
    ctx.error(p, `${name} must be a phase such as {epochs: 2, freeze: 8}, got ${show(item)}`);
    return undefined;
  }
  const before = ctx.diagnostics.length;
  ctx.unknownKeys(item, p, ['epochs', 'freeze']);
  let epochs: number | undefined;
  if (item.epochs !== undefined)
    epochs = ctx.int([...p, 'epochs'], item.epochs, 1, undefined, 'e.g. `epochs: 2` (how long this phase lasts)');
  else if (!last)
    ctx.error(
      p,
      `${name} needs \`epochs:\` (how many epochs this phase lasts); only the last phase may leave it out, as it lasts to the end of the run`,
    );
  let freeze: FreezeSpec | undefined;
  if (item.freeze === undefined)
    ctx.error(p, `${name} needs \`freeze:\` (the freeze in force during this phase), e.g. {epochs: 2, freeze: 8}`);
  else freeze = readFreeze(ctx, item.freeze, [...p, 'freeze']);
  if (ctx.diagnostics.length > before || freeze === undefined) return undefined;
  return epochs === undefined ? { freeze } : { epochs, freeze };
}

function readGradual(ctx: ParseContext, g: unknown, runEpochs: number | undefined): FreezeSetting | undefined {
  const p = ['freeze', 'gradual'];
  if (!isObject(g)) {
    ctx.error(p, `freeze.gradual must be a mapping such as {from: 8, to: 0, every: 1}, got ${show(g)}`);
    return undefined;
  }
  const before = ctx.diagnostics.length;
  ctx.unknownKeys(g, p, ['from', 'to', 'every']);
  const int = (key: string, min: number, example: string, dflt?: number): number | undefined => {
    if (g[key] !== undefined) return ctx.int([...p, key], g[key], min, undefined, example);
    if (dflt === undefined) ctx.error(p, `freeze.gradual needs \`${key}:\`, ${example}`);
    return dflt;
  };
  const from = int('from', 1, 'e.g. `from: 8` (the modules frozen at the first epoch)');
  const to = int('to', 0, 'e.g. `to: 0` (the freeze it ends at)', 0);
  const every = int('every', 1, 'e.g. `every: 1` (epochs between two unfreezing steps)', 1);
  if (ctx.diagnostics.length > before || from === undefined || to === undefined || every === undefined) return undefined;
  if (from <= to) {
    ctx.error(
      gradualAt(g, 'to', 'from'),
      `freeze.gradual.from (${from}) must be more than to (${to}): gradual unfreezing starts with more modules frozen and unfreezes one every \`every\` epochs; for one freeze for the whole run write \`freeze: ${from}\``,
    );
    return undefined;
  }
  const reachedAt = (from - to) * every + 1;
  if (runEpochs !== undefined && runEpochs < reachedAt) {
    ctx.error(
      p,
      `freeze.gradual reaches freeze ${to} only at epoch ${reachedAt}, but the run has ${runEpochs} epochs (train.epochs): raise train.epochs to at least ${reachedAt}, or unfreeze sooner (a smaller every, or a higher to)`,
    );
    return undefined;
  }
  return { freeze: from, schedule: { kind: 'gradual', from, to, every } };
}

/** Where to point at a gradual problem: `key`'s value when written, else `fallback`'s. */
function gradualAt(g: Obj, key: string, fallback: string): YamlPath {
  return ['freeze', 'gradual', g[key] !== undefined ? key : fallback];
}
