// What one [from, number, module, args] row hands to the builder of its module type once the row's
// columns are checked: its inputs' shapes, the repeat count after depth gain, the substituted args and
// the layer collector. Its own file so yoloRow.ts (which fills it in) and the builders in
// yoloConvModules.ts / yoloLayerModules.ts (which read it) do not import each other.
import { ArgError } from './torchLayers';
import type { LayerCollector } from './torchLayers';
import type { Shape } from './yoloShape';

export interface RowContext {
  /** The row's index i across backbone and head. */
  index: number;
  /** The module's name, `model.i`; repeats are named `model.i.0`, `model.i.1`… */
  name: string;
  /** Canonical module type (Conv, C3, Detect…). */
  type: string;
  /** The shapes of the modules `from` names, in order. */
  inputs: Shape[];
  /** `from` was written as a list: a single-input module then needs exactly one entry. */
  multi: boolean;
  /** Repeat count after depth gain. */
  n: number;
  /** The YAML args with `nc`, `anchors` and `None` substituted. */
  args: unknown[];
  L: LayerCollector;
  /** Class count, when the YAML or the experiment gives one. */
  nc?: number;
  /** Square input size, when given (shapes are computed only then). */
  imgsz?: number;
  /** width_multiple, channel_multiple and the detection output count: the conv family's channel scaling. */
  gw: number;
  chMul: number;
  no: number;
}

/** A module's output shape and its constructor arguments as parse_model passes them. */
export interface BuiltRow {
  shape: Shape;
  outArgs: unknown[];
}

/** The one input of a single-input module. */
export function singleInput(row: RowContext): Shape {
  if (row.multi && row.inputs.length !== 1) throw new ArgError(`${row.type} takes one input; from must be a single index`);
  return row.inputs[0];
}
