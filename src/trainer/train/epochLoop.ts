// The epochs of a run on any engine: each epoch in a seeded order, progress per batch, evaluation,
// then (in this order, for crash safety) the epoch's metrics, weights/best when it improved,
// weights/last and run.json. A stop request ends the epoch between batches and checkpoints.
import { UserError } from '../../shared/userError';
import type { Reporter } from '../cli/progress';
import type { TransferLabMetadata } from '../model/modelFiles';
import { permutation, seededRandom } from '../random';
import type { RunFolder } from '../run/runFolder';
import type { StopRequests } from '../run/stopRequests';
import { DeviceSampler } from '../system/deviceSampler';
import type { StepEngine } from './stepEngine';
import type { EpochMetrics } from '../../shared/runFolder/contract';
import type { LrSchedule } from '../../shared/experiment/types';
import { epochRates, movesRate } from './lrSchedule';

/** Training stopped on purpose (NaN loss): a message for the user, no stack. */
export class TrainingError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export interface EpochLoopOptions {
  run: RunFolder;
  steps: StepEngine;
  reporter: Reporter;
  stop: StopRequests;
  log: (level: 'info' | 'warn', msg: string) => void;
  startEpoch: number;
  epochs: number;
  best: number;
  trainCount: number;
  batch: number;
  evalBatch: number;
  lr: number;
  /** How the rate moves over the run's steps (absent: `lr` throughout). */
  schedule?: LrSchedule;
  seed: number;
  /** Device use from nvidia-smi when the engine runs on a GPU. */
  gpu: boolean;
  meta: (epoch: number, acc?: number) => TransferLabMetadata;
  /** Before each epoch: switches to the freeze phase in force; what it returns goes into the metrics. */
  beforeEpoch?: (epoch: number) => Promise<Pick<EpochMetrics, 'freeze' | 'phase'>>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function epochLoop(o: EpochLoopOptions): Promise<'finished' | 'stopped'> {
  const { run, steps, stop } = o;
  const sampler = new DeviceSampler(o.gpu);
  let best = o.best;
  for (let epoch = o.startEpoch; epoch <= o.epochs; epoch++) {
    if (stop.requested) break;
    const phase = o.beforeEpoch ? await o.beforeEpoch(epoch) : {};
    const t0 = performance.now();
    steps.resetPeak();
    sampler.reset();
    const order = permutation(o.trainCount, seededRandom(o.seed * 7919 + epoch));
    const batches = Math.ceil(o.trainCount / o.batch);
    const lrs = movesRate(o.schedule)
      ? epochRates(o.schedule, o.lr, epoch, batches, { stepsPerEpoch: batches, epochs: o.epochs })
      : undefined;
    const r = await steps.epoch(
      order,
      o.batch,
      async (b, batches, loss) => {
        o.reporter.event({ type: 'batch', run: run.name, epoch, batch: b, batches, loss });
        sampler.tick();
        await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run between batches
      },
      () => stop.requested !== undefined,
      lrs,
    );
    if (r.nonFinite) {
      throw new TrainingError(
        `loss became ${r.nonFinite.value} at epoch ${epoch}, batch ${r.nonFinite.batch}/${batches} (lr ${lrs?.[r.nonFinite.batch - 1] ?? o.lr}): lower train.lr or check the data; ` +
          (epoch > o.startEpoch || o.startEpoch > 1 ? `weights/last keeps epoch ${epoch - 1}` : 'no epoch was finished'),
      );
    }
    if (stop.requested) {
      // Mid-epoch: keep the weights, but the epoch is not finished, so it is not recorded.
      run.saveWeights('last', await steps.weightFiles(o.meta(epoch - 1), true));
      return 'stopped';
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const val = await steps.evaluate(o.evalBatch);
    const seconds = (performance.now() - t0) / 1000;
    const mem = steps.memory();
    const device = mem.device ?? sampler.sample();
    const m: EpochMetrics = {
      epoch,
      'train/loss': r.lossSum / Math.max(1, r.seen),
      'val/loss': val.loss,
      'val/accuracy': val.accuracy,
      ...(val.top5 !== undefined ? { 'val/top5': val.top5 } : {}),
      lr: lrs ? lrs[lrs.length - 1] : o.lr,
      ...(lrs ? { lr_steps: lrs } : {}),
      ...phase,
      epoch_seconds: seconds,
      images_per_second: r.seen / trainSeconds,
      tensor_bytes: mem.tensorBytes,
      peak_tensor_bytes: mem.peakBytes,
      rss_bytes: process.memoryUsage().rss,
      device_util: device.util,
      device_memory_bytes: device.memoryBytes,
      time: new Date().toISOString(),
    };
    // weights/best before weights/last: once last holds the final epoch the whole run is on disk,
    // so a run killed right then is settled as finished (shared/runFolder/completedRun.ts).
    run.appendEpoch(m);
    o.reporter.event({ type: 'epoch', run: run.name, metrics: m });
    const improved = m['val/accuracy'] > best;
    if (improved) best = m['val/accuracy'];
    if (improved) run.saveWeights('best', await steps.weightFiles(o.meta(epoch, m['val/accuracy']), false));
    run.saveWeights('last', await steps.weightFiles(o.meta(epoch, m['val/accuracy']), true));
    run.update({ epochsDone: epoch, bestAccuracy: best, deviceSource: device.source });
    o.log(
      'info',
      `epoch ${epoch}/${o.epochs}: train/loss ${m['train/loss'].toFixed(4)} val/loss ${m['val/loss'].toFixed(4)} val/accuracy ${m['val/accuracy'].toFixed(4)}` +
        ` ${m.images_per_second.toFixed(0)} img/s${improved ? ' (best)' : ''}`,
    );
  }
  if (stop.requested) {
    if (!run.weightsFile('last')) run.saveWeights('last', await steps.weightFiles(o.meta(o.startEpoch - 1), true));
    return 'stopped';
  }
  return 'finished';
}
