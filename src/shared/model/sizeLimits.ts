// How large a model YAML may make a model, checked while it is parsed: the parser only counts (it
// never allocates a weight), so an absurd setting (width_multiple: 1e9, depth_multiple: 1e4,
// yolov5.img: 1e6) is caught here — before the Modules view lists it, before the trainer allocates
// anything, before train.py is started — and reported at the setting that causes it.
//
// The limits are sanity bounds, far above any real YOLOv5 model, not a memory planner:
// - parameters: 1e9 (4 GB of float32 weights; training also keeps their gradients and Adam's two
//   moments, 16 GB in all). YOLOv5x6, the largest YOLOv5, has 140.7M.
// - activations one image keeps for the backward pass: 2^32 float32 values (17 GB at batch 1,
//   counting only each layer's output; batch norms and activations take two to three times that,
//   more than the largest accelerator holds). By this count YOLOv5x6 keeps 0.62e9 at 1280 px,
//   1.6e9 at 2048 px; yolov5x 0.15e9 at 640 px.
// - repeats of one row's block: 1000. Each repeat adds layers the parser and the view list one by
//   one, so this is checked before the module is built; YOLOv5x repeats a block at most 12 times.
import type { LayerInfo } from './types';
import { UserError } from '../userError';

export const MAX_PARAMS = 1_000_000_000;
export const MAX_ACTIVATION_VALUES = 2 ** 32;
export const MAX_REPEATS = 1000;
/** The image size YOLOv5 trains at by default: an image size only counts as the cause above it. */
const USUAL_IMGSZ = 640;

/** The setting to change; the parser turns it into a file and line. */
export type SizeCulprit = 'width_multiple' | 'depth_multiple' | 'imgsz' | 'number' | 'module';

export class SizeLimitError extends UserError {
  constructor(
    message: string,
    readonly culprit: SizeCulprit,
  ) {
    super(message);
    this.name = 'SizeLimitError';
  }
}

export interface SizeSettings {
  gd: number;
  gw: number;
  imgsz?: number;
  /** How the user spells the image size setting (`train.imgsz`, `yolov5.img`). */
  imgszSetting: string;
  /** The model file's name, for messages reported in another file (the experiment's image size). */
  modelFile: string;
}

export interface ModuleRef {
  name: string;
  type: string;
  line: number;
}

/** Running totals of one parse; each check throws a SizeLimitError that names module and setting. */
export class SizeGuard {
  private params = 0;
  private values = 0;

  constructor(private readonly s: SizeSettings) {}

  /** Before a module is built: its depth-scaled repeat count. */
  repeats(m: ModuleRef, n0: number, n: number): void {
    if (n <= MAX_REPEATS) return;
    const culprit: SizeCulprit = this.s.gd > 1 && n0 <= MAX_REPEATS ? 'depth_multiple' : 'number';
    const cause =
      culprit === 'depth_multiple' ? `depth_multiple ${this.s.gd} turns its number ${n0} into ${count(n)}` : `its number is ${count(n0)}`;
    throw new SizeLimitError(
      `${this.ref(m)} would repeat its block ${count(n)} times, over the limit of ${count(MAX_REPEATS)} ` +
        `(YOLOv5x repeats a block at most 12 times): ${cause}. ${this.fix(culprit)}`,
      culprit,
    );
  }

  /** After a module is counted (nothing allocated): the model's parameters and activations so far. */
  add(m: ModuleRef, params: number, layers: readonly LayerInfo[], outShape: number[] | undefined): void {
    this.params += params;
    if (!(this.params <= MAX_PARAMS)) {
      const { gw, gd } = this.s;
      const culprit: SizeCulprit =
        gw > 1 && this.params / gw ** 2 <= MAX_PARAMS
          ? 'width_multiple'
          : gd > 1 && this.params / gd <= MAX_PARAMS
            ? 'depth_multiple'
            : 'module';
      const widest = Math.max(0, ...layers.map((l) => l.params[0]?.shape[0] ?? 0));
      const cause =
        culprit === 'width_multiple'
          ? `width_multiple ${gw} widens its layers to ${count(widest)} channels`
          : culprit === 'depth_multiple'
            ? `depth_multiple ${gd} multiplies every block's repeats`
            : `its widest layer has ${count(widest)} output channels`;
      throw new SizeLimitError(
        `${this.ref(m)} takes the model to ${count(this.params)} parameters (${count(params)} in this module), over the limit of ` +
          `${count(MAX_PARAMS)} (4 GB of float32 weights, 16 GB to train them with Adam; YOLOv5x6 has 141M): ${cause}. ${this.fix(culprit)}`,
        culprit,
      );
    }
    const values = keptValues(layers, outShape);
    this.values += values;
    if (!(this.values <= MAX_ACTIVATION_VALUES)) {
      const { gw, gd, imgsz = 0 } = this.s;
      const culprit: SizeCulprit =
        imgsz > USUAL_IMGSZ && this.values * (USUAL_IMGSZ / imgsz) ** 2 <= MAX_ACTIVATION_VALUES
          ? 'imgsz'
          : gw > 1 && this.values / gw <= MAX_ACTIVATION_VALUES
            ? 'width_multiple'
            : gd > 1 && this.values / gd <= MAX_ACTIVATION_VALUES
              ? 'depth_multiple'
              : imgsz > USUAL_IMGSZ
                ? 'imgsz'
                : 'module';
      const shape = outShape?.join('×') ?? '?';
      const cause =
        culprit === 'imgsz'
          ? `${this.s.imgszSetting} ${imgsz} makes its output ${shape}`
          : culprit === 'width_multiple'
            ? `width_multiple ${gw} makes its output ${shape}`
            : culprit === 'depth_multiple'
              ? `depth_multiple ${gd} multiplies every block's repeats`
              : `its output is ${shape}`;
      throw new SizeLimitError(
        `${this.ref(m)} takes the activations one image keeps for training to at least ${count(this.values)} values ` +
          `(${bytes(4 * this.values)} as float32; ${count(values)} in this module), over the limit of ${count(MAX_ACTIVATION_VALUES)} (${bytes(4 * MAX_ACTIVATION_VALUES)}) ` +
          `at batch size 1: ${cause}. ${this.fix(culprit)}`,
        culprit,
      );
    }
  }

  private ref(m: ModuleRef): string {
    return `${m.name} (${m.type}, ${this.s.modelFile} line ${m.line})`;
  }

  private fix(culprit: SizeCulprit): string {
    switch (culprit) {
      case 'width_multiple':
        return 'Lower width_multiple: YOLOv5 uses 0.25 (yolov5n) to 1.25 (yolov5x).';
      case 'depth_multiple':
        return 'Lower depth_multiple: YOLOv5 uses 0.33 (yolov5n) to 1.33 (yolov5x).';
      case 'imgsz':
        return `Lower ${this.s.imgszSetting}: YOLOv5 trains at 640 px (its P6 models at 1280).`;
      case 'number':
        return 'Lower the number (2nd column) of this row.';
      case 'module':
        return 'Lower the channel arguments of this row (or the class count).';
    }
  }
}

/**
 * Values a module keeps per image for the backward pass, at least: its output, and the output of
 * each convolution or linear layer inside it at the module's output resolution (a batch norm and
 * an activation follow most of them, so the real figure is two to three times this).
 */
export function keptValues(layers: readonly LayerInfo[], outShape: number[] | undefined): number {
  if (!outShape) return 0;
  const out = outShape.reduce((a, d) => a * d, 1);
  if (outShape.length === 2) return out; // Detect: its output is its convolutions' outputs
  const pixels = outShape.length === 3 ? outShape[0] * outShape[1] : 1;
  let inside = 0;
  for (const l of layers) {
    const w = l.params[0];
    if (!w || w.shape.length < 2) continue;
    inside += (l.type === 'ConvTranspose2d' ? w.shape[1] : w.shape[0]) * pixels;
  }
  return out + inside;
}

function count(n: number): string {
  return n < 1e13 ? Math.round(n).toLocaleString('en-US') : n.toExponential(1);
}

function bytes(n: number): string {
  const units: Array<[number, string]> = [
    [1e15, 'PB'],
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
  ];
  for (const [scale, unit] of units)
    if (n >= scale) return `${n / scale >= 1000 ? (n / scale).toExponential(1) : (n / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(n)} B`;
}
