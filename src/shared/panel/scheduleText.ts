// What a run froze, as one cell of a summary row: the freeze value, or for a run whose freeze changed
// during training (a freeze schedule, fastai's fine_tune) its phases, so that two runs starting from
// the same freeze never read alike ("6" is not "fine_tune 6 → 0 at epoch 2").
import type { RunRecord } from '../runFolder/contract';
import { formatFreeze } from '../freezeText';

/** "6 → 0 at epoch 2", "8 → 7 → 6 at epochs 2, 3"; prefixed "fine_tune " and suffixed with the lr
 *  range for a fine_tune run. Null for a run with one freeze throughout. */
export function scheduleText(r: Pick<RunRecord, 'freeze' | 'phases' | 'fineTune'>): string | null {
  const ft = r.fineTune;
  const phases = r.phases?.length
    ? r.phases
    : ft
      ? [
          { startEpoch: 1, freeze: r.freeze },
          { startEpoch: ft.freezeEpochs + 1, freeze: 0 },
        ]
      : undefined;
  if (!phases || (phases.length < 2 && !ft)) return null;
  const starts = phases.slice(1).map((p) => p.startEpoch);
  const text =
    phases.map((p) => formatFreeze(p.freeze)).join(' → ') +
    (starts.length ? ` at epoch${starts.length > 1 ? 's' : ''} ${starts.join(', ')}` : '');
  return ft ? `fine_tune ${text}, lr/${ft.lrMult}…lr` : text;
}

/** The Freeze cell of a row: its schedule when it had one, else its freeze value. */
export function freezeCell(r: { freeze: RunRecord['freeze']; schedule: string | null }): string {
  return r.schedule ?? formatFreeze(r.freeze);
}

/** Whether the run's freeze changed during training (it is not one freeze value's run). */
export function isScheduled(r: Pick<RunRecord, 'phases' | 'fineTune'>): boolean {
  return r.fineTune !== undefined || (r.phases?.length ?? 0) > 1;
}
