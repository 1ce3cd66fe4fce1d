// The learning rate of each optimizer step: a pure function of the step's place in the whole run
// (0-based over all epochs × batches), so a resumed run continues the same curve and both engines
// get the same numbers. The schedule spans the whole run, across freeze-schedule phases (fastai's
// fine_tune restarts one-cycle per phase; one curve over the run is what the file describes, and it
// keeps `lr_steps` one continuous line on the chart). A resume with `--epochs N` stretches the curve
// over the new total from the resume point on.
//
// The formulas are PyTorch's, so a practitioner's expectation carries over:
// - cosine: linear warmup from 0 (as transformers' get_cosine_schedule_with_warmup: step s < W
//   gets lr × s / W), then CosineAnnealingLR with eta_min = min × lr reaching eta_min at the last step.
// - onecycle: torch.optim.lr_scheduler.OneCycleLR(max_lr = lr, total_steps, pct_start, anneal 'cos',
//   div_factor, final_div_factor, three_phase False); step s gets what the scheduler gives after s
//   calls to step() (the first step trains at lr / div_factor).
// - step: StepLR counted in epochs: lr × gamma^floor(epoch / every), epoch 0-based.
import type { LrSchedule } from '../../shared/experiment/types';

export interface ScheduleSpan {
  /** Steps in one epoch (batches). */
  stepsPerEpoch: number;
  /** Epochs of the whole run. */
  epochs: number;
}

function cosAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/** PyTorch OneCycleLR's two-phase rate at step `s` of `total`. */
function oneCycle(s: number, total: number, max: number, pctStart: number, divFactor: number, finalDivFactor: number): number {
  const initial = max / divFactor;
  const min = initial / finalDivFactor;
  const phases = [
    { end: pctStart * total - 1, from: initial, to: max },
    { end: total - 1, from: max, to: min },
  ];
  let start = 0;
  for (let i = 0; i < phases.length; i++) {
    const p = phases[i];
    if (s <= p.end || i === phases.length - 1) {
      const pct = p.end === start ? 1 : (s - start) / (p.end - start);
      return cosAnneal(p.from, p.to, pct);
    }
    start = p.end;
  }
  return min; // not reached: the last phase always answers
}

/** The learning rate of step `s` (0-based over the whole run) for base rate `lr`. */
export function lrAt(schedule: LrSchedule | undefined, lr: number, s: number, span: ScheduleSpan): number {
  const total = Math.max(1, span.stepsPerEpoch * span.epochs);
  if (!schedule || schedule.kind === 'constant') return lr;
  switch (schedule.kind) {
    case 'step':
      return lr * Math.pow(schedule.gamma, Math.floor(Math.floor(s / span.stepsPerEpoch) / schedule.every));
    case 'cosine': {
      const warm = Math.round(schedule.warmup * span.stepsPerEpoch);
      if (s < warm) return (lr * s) / warm;
      const tMax = total - 1 - warm;
      const min = schedule.min * lr;
      return tMax <= 0 ? lr : cosAnneal(lr, min, Math.min(1, (s - warm) / tMax));
    }
    case 'onecycle':
      return oneCycle(s, total, lr, schedule.pctStart, schedule.divFactor, schedule.finalDivFactor);
  }
}

/** Whether the schedule moves the rate at all (metrics record `lr_steps` only then). */
export function movesRate(schedule: LrSchedule | undefined): schedule is Exclude<LrSchedule, { kind: 'constant' }> {
  return schedule !== undefined && schedule.kind !== 'constant';
}

/** The rates of epoch `epoch`'s (1-based) steps, `batches` of them. */
export function epochRates(schedule: LrSchedule | undefined, lr: number, epoch: number, batches: number, span: ScheduleSpan): number[] {
  return Array.from({ length: batches }, (_, b) => lrAt(schedule, lr, (epoch - 1) * span.stepsPerEpoch + b, span));
}
