// Reads the `train:` section (epochs, batch, optimizer, learning rate, seed, image size) over the
// defaults (the learning rate, its per-module multipliers and its schedule in readLr.ts and
// readLrSchedule.ts), which live here so the editor's hover text and the trainer show the same numbers. The
// default image size depends on the data source, so the caller passes it in.
import { show } from './describeValue';
import { isObject } from './parseContext';
import type { Obj, ParseContext } from './parseContext';
import { readLr } from './readLr';
import { readLrSchedule } from './readLrSchedule';
import type { DataSpec, TrainSettings } from './types';

export const TRAIN_DEFAULTS: Omit<TrainSettings, 'imgsz'> = { epochs: 10, batch: 32, optimizer: 'adam', lr: 0.001, seed: 0 };
/** MNIST digits are 28×28; folder images are resized to 32×32 unless `train.imgsz` says otherwise;
 *  an external trainer's images (YOLOv5) are shown at its default 640. */
export const DEFAULT_IMGSZ = { mnist: 28, folder: 32, external: 640 } as const;

export const TRAIN_KEYS = ['epochs', 'batch', 'optimizer', 'lr', 'lrMult', 'schedule', 'seed', 'imgsz'];

export function readTrain(ctx: ParseContext, root: Obj, source: DataSpec['source']): TrainSettings | undefined {
  const t = root.train ?? {};
  const imgsz = DEFAULT_IMGSZ[source];
  const out: TrainSettings = { ...TRAIN_DEFAULTS, imgsz };
  if (root.train === null) return out;
  if (!isObject(t)) {
    ctx.error(['train'], `train must be a mapping (epochs:, batch:, optimizer:, lr:, lrMult:, schedule:, seed:, imgsz:), got ${show(t)}`);
    return undefined;
  }
  ctx.unknownKeys(t, ['train'], TRAIN_KEYS);
  let ok = true;
  const int = (key: 'epochs' | 'batch' | 'seed' | 'imgsz', min: number, max: number | undefined, example: string): void => {
    if (t[key] === undefined) return;
    const n = ctx.int(['train', key], t[key], min, max, example);
    if (n === undefined) ok = false;
    else out[key] = n;
  };
  int('epochs', 1, undefined, 'e.g. `epochs: 10`');
  int('batch', 1, undefined, 'e.g. `batch: 32`');
  int('seed', 0, undefined, 'e.g. `seed: 0`');
  int('imgsz', 8, 4096, 'e.g. `imgsz: 32` (square input size in pixels)');
  if (t.optimizer !== undefined) {
    if (t.optimizer === 'adam' || t.optimizer === 'sgd') out.optimizer = t.optimizer;
    else {
      ctx.error(['train', 'optimizer'], `train.optimizer must be adam or sgd, got ${show(t.optimizer)}`);
      ok = false;
    }
  }
  if (!readLr(ctx, t, out)) ok = false;
  if (t.schedule !== undefined) {
    const schedule = readLrSchedule(ctx, t.schedule, t.epochs === undefined || out.epochs === t.epochs ? out.epochs : undefined);
    if (schedule === null) ok = false;
    else if (schedule.kind !== 'constant') out.schedule = schedule;
  }
  return ok ? out : undefined;
}
