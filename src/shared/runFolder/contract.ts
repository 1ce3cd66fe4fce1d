// The run folder `runs/<name>/` is the contract between the trainer and the extension host:
//   experiment.yaml  snapshot as run
//   run.json         RunRecord (rewritten atomically: ./writeRecord.ts)
//   metrics.jsonl    one EpochMetrics per line, appended and flushed per epoch
//   results.csv      the same rows, YOLOv5 style
//   train.log        human log
//   weights/last/, weights/best/   tfjs model.json + weights.bin, written atomically (a torchvision
//                    model's: model.pt state dict + torchvision.json, see trainer/torchvision/checkpoint.ts)
//   disk-full.txt    only when the disk was too full to record the run's failure in run.json
//                    (see ./readRecord.ts: such a `running` record reads as failed)
// plus the trainer's stdout: one ProgressEvent JSON object per line (./progressLine.ts).
// Every value read from these files is checked against these types (./shapes.ts) before use.

export const RUN_RECORD_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const RESULTS_CSV = 'results.csv';
export const TRAIN_LOG = 'train.log';
export const EXPERIMENT_SNAPSHOT = 'experiment.yaml';
/** Written by a trainer that could not rewrite run.json because the disk was full: the run failed.
 *  It holds the trainer's message when even that fitted, else nothing. */
export const DISK_FULL_FILE = 'disk-full.txt';

export type RunStatus = 'queued' | 'running' | 'finished' | 'stopped' | 'failed';

export interface RunRecord {
  name: string;
  status: RunStatus;
  /** Experiment file the run was started from (absolute path). */
  experiment: string;
  /** Canonical freeze value as written in the experiment (`10`, `[0, 3, "model.4.bn"]`). */
  freeze: number | Array<number | string>;
  /** Sweep this run belongs to, if any. */
  sweep?: string;
  /** The data it trained and was validated on, as a canonical description (`mnist digits 5,6,7,8,9,
   *  150 labels, 20% validation`; `folder /abs/path`; `yolov5 --data coco128.yaml`): with
   *  `experiment` and `model`, what decides which runs the summary compares (comparability.ts).
   *  Absent in runs recorded before it existed. */
  data?: string;
  /** The model architecture file (absolute path) the run built. */
  model?: string;
  engine?: string;
  device?: string;
  /** Where the epochs' `device_util` and `device_memory_bytes` come from: `nvidia-smi` (GPU
   *  memory) or `cpu` (this process's CPU share and peak resident memory). Absent: unknown, so the
   *  summary does not call that memory GPU memory. */
  deviceSource?: 'nvidia-smi' | 'cpu';
  pid?: number;
  /** Process start marker so a re-attaching host can tell a reused pid from the run's own. */
  pidStartTime?: string;
  startedAt?: string;
  endedAt?: string;
  epochs?: number;
  epochsDone?: number;
  trainableParams?: number;
  totalParams?: number;
  /** sha256 of the pretrained weights the run started from. */
  weightsSha256?: string;
  /** Whether the frozen-prefix cache was used, and why not when it was not. */
  cache?: { used: boolean; reason: string };
  bestAccuracy?: number;
  error?: string;
  /** The program that trains: absent for Transfer Lab's own trainer; 'yolov5' for YOLOv5's
   *  train.py driven by `transfer-lab train` (its stop signal is SIGINT, its checkpoint weights/last.pt). */
  trainer?: 'yolov5';
  /** Best detection metrics over the epochs so far (YOLOv5 runs; `bestAccuracy` stays absent). */
  bestMap50?: number;
  bestMap50_95?: number;
  /** A freeze schedule's phases as this run resolved them (1-based first epoch of each), in order;
   *  absent when one freeze held for the whole run. */
  phases?: RunPhase[];
  /** Set on a fastai-style `fine_tune` run (`train --fine-tune`, a sweep's fine_tune row): `freeze`
   *  for `freezeEpochs`, then everything at lr/`lrMult`…lr, one-cycle (shared/runs/fineTune.ts).
   *  Kept here so a resumed run trains on with the same recipe. */
  fineTune?: { freezeEpochs: number; lrMult: number };
  /** Where the run executes: local process or a Slurm job. */
  executor?: { kind: 'local' } | { kind: 'slurm'; jobId: string; state?: string; reason?: string; node?: string };
}

/** One phase of a run's freeze schedule: from `startEpoch` on, `freeze` was in force. */
export interface RunPhase {
  startEpoch: number;
  freeze: number | Array<number | string>;
}

export interface EpochMetrics {
  epoch: number;
  'train/loss': number;
  'val/loss': number;
  'val/accuracy': number;
  'val/top5'?: number;
  /** The learning rate (the base rate, × the schedule) at the epoch's last step. */
  lr: number;
  /** The base learning rate at each step of the epoch, in order, when a schedule moves it. */
  lr_steps?: number[];
  /** The freeze in force during this epoch, and its phase (0-based) when the run has a schedule. */
  freeze?: number | Array<number | string>;
  phase?: number;
  /** Wall-clock seconds of the epoch (train + val). */
  epoch_seconds: number;
  images_per_second: number;
  /** tfjs tensor bytes at epoch end and peak during it. */
  tensor_bytes: number;
  peak_tensor_bytes?: number;
  rss_bytes: number;
  /** Device utilisation % and memory bytes sampled during the epoch (nvidia-smi, else CPU). */
  device_util?: number;
  device_memory_bytes?: number;
  /** ISO time at epoch end. */
  time: string;
  /** Detection metrics (YOLOv5 runs, from results.csv): precision, recall, mAP at IoU 0.5 and mAP
   *  averaged over IoU 0.5:0.95. A detection run has no classification accuracy: its
   *  `val/accuracy` is null in metrics.jsonl (NaN in memory). */
  'val/precision'?: number;
  'val/recall'?: number;
  'val/mAP_0.5'?: number;
  'val/mAP_0.5:0.95'?: number;
  /** The YOLOv5 results.csv row the epoch came from, names and values as YOLOv5 wrote them
   *  (trimmed; YOLOv5's 0-based `epoch`), so nothing it recorded is lost. */
  yolov5?: Record<string, number | null>;
}

export type ProgressEvent =
  | { type: 'start'; run: string; engine: string; device: string; epochs: number; trainableParams: number; totalParams: number }
  | { type: 'batch'; run: string; epoch: number; batch: number; batches: number; loss: number }
  | { type: 'epoch'; run: string; metrics: EpochMetrics }
  | { type: 'log'; run: string; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'end'; run: string; status: RunStatus; error?: string };
