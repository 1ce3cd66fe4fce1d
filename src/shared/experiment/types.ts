// The experiment file (`experiment.yaml`, `*.experiment.yaml`), after parsing and validation.
// Paths are resolved against the experiment file's folder.

/** YOLOv5 `--freeze`: N freezes modules 0…N-1; a list freezes exactly those modules, and beyond
 *  YOLOv5 may name single layers (`model.3.bn`). */
export type FreezeSpec = number | Array<number | string>;

/** Weights for a torchvision model: torchvision's own (`DEFAULT`, `IMAGENET1K_V1`…) or a state dict file. */
export type TorchvisionWeights = { kind: 'torchvision'; name: string } | { kind: 'file'; path: string };

/** `model: torchvision:<builder>` (parsed by torchvisionSpec.ts). */
export interface TorchvisionModel {
  /** The builder's name in torchvision.models, e.g. 'resnet18'. */
  builder: string;
  /** Absent: random initialisation. */
  weights?: TorchvisionWeights;
}

export interface MnistData {
  source: 'mnist';
  /** Digits to use, e.g. [0,1,2,3,4]; labels are re-indexed 0…k-1 in this order. */
  classes: number[];
  /** Total number of training labels (the label budget); default all available. */
  limit?: number;
  /** Fraction of the selected digits held out for validation (default 0.2). */
  valFraction?: number;
}

export interface FolderData {
  source: 'folder';
  /** Folder holding `train/` and `val/`, one subfolder per class (PNG or JPEG). */
  path: string;
  /** Fail the run on a corrupt image instead of skipping it with a count. */
  strict?: boolean;
}

/** Data the experiment's own external trainer reads itself (`trainer: yolov5` reads `yolov5.data`):
 *  set by the parser when `data:` is left out and a section (experiment/sections.ts) supplies the data. The
 *  built-in trainer loads nothing from it. */
export interface ExternalData {
  source: 'external';
  /** Key of the section that names the data, e.g. 'yolov5'. */
  section: string;
}

export type DataSpec = MnistData | FolderData | ExternalData;

export interface TrainSettings {
  epochs: number;
  batch: number;
  optimizer: 'adam' | 'sgd';
  /** The base learning rate: the head's (the highest) when `lrRange` spreads rates over modules. */
  lr: number;
  seed: number;
  /** Square input size in pixels. */
  imgsz: number;
  /** How the learning rate moves over the steps; absent: constant. */
  schedule?: LrSchedule;
  /** Per-module multipliers of the learning rate (absent modules: 1). */
  lrMult?: LrMultiplier[];
  /** fastai's discriminative rates (`lr: [1e-5, 1e-3]`): geometric from `min` (first trainable
   *  module) to `max` (= `lr`, the last); exclusive with `lrMult`. */
  lrRange?: { min: number; max: number };
  /** How many highest-loss validation images predictions/*.json lists (absent: 32). */
  topLosses?: number;
}

/** The learning rate over a run's steps, as a multiple of `train.lr` (see trainer/train/lrSchedule). */
export type LrSchedule =
  | { kind: 'constant' }
  /** × gamma every `every` epochs. */
  | { kind: 'step'; every: number; gamma: number }
  /** Linear from 0 over `warmup` epochs, then cosine down to `min` × lr at the last step. */
  | { kind: 'cosine'; warmup: number; min: number }
  /** fastai/PyTorch one-cycle: up from lr/divFactor to lr over `pctStart` of the steps, then cosine
   *  down to lr/(divFactor × finalDivFactor). */
  | { kind: 'onecycle'; pctStart: number; divFactor: number; finalDivFactor: number };

/** Modules `from`…`to` (inclusive; `to` absent: to the last module) train at `mult` × the rate. */
export interface LrMultiplier {
  from: number;
  to?: number;
  mult: number;
}

/** One phase of a freeze schedule: `epochs` epochs with `freeze` in force. */
export interface FreezePhase {
  epochs: number;
  freeze: FreezeSpec;
}

/** `freeze:` that changes during the run. `schedule` lists its phases (the last one lasts to the end
 *  of the run); `gradual` unfreezes one module count step at a time (ULMFiT): freeze `from`, then
 *  from-1 … down to `to`, each for `every` epochs, the last to the end. */
export type FreezeSchedule = { kind: 'schedule'; phases: FreezePhase[] } | { kind: 'gradual'; from: number; to: number; every: number };

export interface Experiment {
  /** Absolute path of the experiment file. */
  file: string;
  name?: string;
  /** Absolute path of the architecture YAML or model.json; for a torchvision model the value as
   *  written, `torchvision:resnet18` (see `torchvision`). */
  model: string;
  /** Absolute path of pretrained weights (a model.json or a run's weights folder); for a torchvision
   *  model `torchvision:DEFAULT` as written or a state dict's absolute path. */
  weights?: string;
  /** Set when `model:` is `torchvision:<builder>`: a torchvision.models classification builder, which
   *  only the `torch` engine builds (its modules come from inspecting it with Python). */
  torchvision?: TorchvisionModel;
  /** Experiment that produces `weights` (run first by a sweep when they are missing). */
  pretrain?: string;
  /** The Python that runs the torch engine: an absolute path, or a command looked up on PATH. */
  python?: string;
  data: DataSpec;
  train: TrainSettings;
  /** The freeze in force at the first epoch (with a schedule: its first phase's), the value the
   *  Modules view's checkboxes show and sweeps vary. */
  freeze: FreezeSpec;
  /** Set when `freeze:` is a schedule (its first phase is `freeze`). */
  freezeSchedule?: FreezeSchedule;
  /** Top-level sections this parser does not validate itself (`trainer:`, `executor:`…), as
   *  parsed; the sections in experiment/sections.ts are checked before landing here. */
  extra?: Record<string, unknown>;
  /** The parser's warnings (an unknown top-level key…), set by `loadExperiment`: whoever runs the
   *  experiment shows them, so that nothing in the file is ignored without the user knowing. */
  warnings?: FileDiagnostic[];
}

/** A problem found in a user's file, pointing at the place to fix. Lines and columns are 1-based. */
export interface FileDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
  /** What kind of problem, where a caller treats it specially: 'unknown-key' — a top-level key the
   *  parser does not know (ignored, so training refuses it unless allowed); 'size-limit' — the model is
   *  too large to build (see model/sizeLimits.ts). */
  code?: 'unknown-key' | 'size-limit';
}
