// A tfjs layers model from a YOLOv5-style ModelSummary (src/shared/model/yolo.ts): the same blocks as
// YOLOv5's models/common.py, in NHWC, with every parameterised layer named after the summary's layer
// (`model.3.cv1.conv` → tfjs `model__3__cv1__conv`) so freeze rules and weight files line up. Layers
// are kept by name, so the modules after a frozen prefix can be re-applied to a new input (the
// frozen-prefix cache trains only that "head" graph, sharing the same layer objects).
// The blocks are in yoloGraphBuilder.ts, one module in yoloModuleGraph.ts; this file wires the
// modules into a model and checks that it ends in a classifier.
import * as tf from '@tensorflow/tfjs';
import { moduleInputIndices } from '../../shared/cost/prefixCache';
import type { ModelSummary } from '../../shared/model/types';
import { ModelBuildError } from './modelBuildError';
import { YoloGraphBuilder } from './yoloGraphBuilder';
import { buildModule } from './yoloModuleGraph';

type Sym = tf.SymbolicTensor;

export interface BuiltGraph {
  model: tf.LayersModel;
  builder: YoloGraphBuilder;
  /** Output of every module in the full model (for re-application and cache boundaries). */
  outputs: Sym[];
}

/** Builds modules `start…` on top of `given` (module index → tensor; -1 = image input). */
export function buildModules(builder: YoloGraphBuilder, summary: ModelSummary, given: Map<number, Sym>, start: number, nc: number): Sym[] {
  const outs: Sym[] = [];
  const get = (i: number): Sym => {
    const t = given.get(i);
    if (!t) throw new ModelBuildError(`module ${i} output is not available`);
    return t;
  };
  for (const m of summary.modules.slice(start)) {
    const y = buildModule(builder, m, moduleInputIndices(m).map(get), nc);
    given.set(m.index, y);
    outs.push(y);
  }
  return outs;
}

/** The full model: image input [h, w, c] → logits [nc]. */
export function buildYoloModel(summary: ModelSummary, inputShape: [number, number, number], nc: number, seed: number): BuiltGraph {
  const builder = new YoloGraphBuilder(seed);
  const input = tf.input({ shape: inputShape, name: 'images' });
  const given = new Map<number, Sym>([[-1, input]]);
  const outputs = buildModules(builder, summary, given, 0, nc);
  const last = outputs[outputs.length - 1];
  const lastModule = summary.modules[summary.modules.length - 1];
  if (last.shape.length !== 2 || last.shape[1] !== nc) {
    throw new ModelBuildError(
      `the last module ${lastModule.name} (${lastModule.type}) outputs [${last.shape.slice(1).join(', ')}]; ` +
        `a classifier for ${nc} classes must end in Classify [nc] or Dense [nc] (after Flatten or GlobalAvgPool)`,
    );
  }
  const model = tf.model({ inputs: input, outputs: last, name: 'transfer_lab' });
  return { model, builder, outputs };
}
