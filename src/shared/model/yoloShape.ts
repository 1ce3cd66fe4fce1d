// Feature-map shapes as parseYoloModel tracks them from row to row, and the size arithmetic YOLOv5's
// layers apply (autopad, conv output size, nn.Sequential repeats). Kept apart from the row builders so
// the conv-family and layer modules share one definition of "what a module's output looks like".
import { ArgError } from './torchLayers';

/** Feature-map shape: spatial size known only when imgsz was given; `flat` after Flatten/pool/Dense. */
export interface Shape {
  c: number;
  h?: number;
  w?: number;
  flat: boolean;
  /** Detect's output: boxes × (nc + 5). */
  boxes?: number;
}

/** YOLOv5's autopad: 'same' padding for odd kernels unless the YAML gives one. */
export function autopad(k: number, p: number | null, d = 1): number {
  const kk = d > 1 ? d * (k - 1) + 1 : k;
  return p ?? Math.floor(kk / 2);
}

export function convSize(size: number | undefined, k: number, s: number, p: number, d = 1): number | undefined {
  if (size === undefined) return undefined;
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** YOLOv5 wraps n > 1 copies of a module in nn.Sequential, naming them `model.i.0`, `model.i.1`… */
export function repeat(n: number, p: string, build: (prefix: string, cur?: Shape) => Shape, start?: Shape): Shape {
  if (n === 1) return build(p, start);
  let cur = start;
  for (let k = 0; k < n; k++) cur = build(`${p}.${k}`, cur);
  return cur!;
}

/** `x` with a new spatial size; a size below 1 is the model's mistake at this imgsz, said so. */
export function spatial(x: Shape, h: number | undefined, w: number | undefined, type: string, imgsz: number | undefined): Shape {
  if ((h !== undefined && h < 1) || (w !== undefined && w < 1)) {
    throw new ArgError(
      `${type} shrinks the ${sizeText(x)} input to nothing at imgsz ${imgsz}; use a larger train.imgsz or fewer stride-2 layers`,
    );
  }
  return { ...x, h, w };
}

/** ModuleInfo.outShape: HWC, [boxes, no] after Detect, [features] once flat; undefined when unknown. */
export function shapeToArray(s: Shape): number[] | undefined {
  if (s.flat) return Number.isNaN(s.c) ? undefined : [s.c];
  if (s.boxes !== undefined) return [s.boxes, s.c];
  if (s.h === undefined || s.w === undefined) return undefined;
  return [s.h, s.w, s.c];
}

export function sizeText(s: Shape): string {
  return s.h === undefined ? '?' : `${s.h}×${s.w}`;
}

export function div(v: number | undefined, g: number): number | undefined {
  return v === undefined ? undefined : Math.floor(v / g);
}

export function mul(v: number | undefined, g: number): number | undefined {
  return v === undefined ? undefined : v * g;
}
