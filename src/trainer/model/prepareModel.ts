// From an experiment's `model:` (YOLOv5-style YAML or tfjs model.json) to a trainable tfjs model:
// summary from the shared parser, layers built (or loaded), pretrained or resumed weights loaded,
// the classifier sized to the data's classes, and the shared freeze rules applied.
import * as tf from '@tensorflow/tfjs';
import { formatDiagnostics } from '../../shared/experiment/parse';
import type { FreezeSpec } from '../../shared/experiment/types';
import { loadModelSummary } from '../../shared/model/load';
import type { ModelSummary } from '../../shared/model/types';
import { buildYoloModel, BuiltGraph } from './buildYolo';
import { ModelBuildError } from './modelBuildError';
import { applyFreeze, FreezeResult } from './freezing';
import { registerFreezableBatchNorm } from './frozenBatchNorm';
import { registerLazyGradConv2D } from './lazyGradConv2d';
import { loadLayersModelFile } from './modelFiles';
import { loadPretrained, PretrainedReport } from './pretrained';
import { toTfName } from './layerNames';

export interface PreparedModel {
  model: tf.LayersModel;
  summary: ModelSummary;
  /** Our models output logits; a foreign model.json may end in softmax. */
  output: 'logits' | 'probabilities';
  /** The tfjs layer of one of the summary's layer names. */
  tfLayer(name: string): tf.layers.Layer | undefined;
  /** The module graph (YAML models), needed for the frozen-prefix cache. */
  graph?: BuiltGraph;
  freeze: FreezeResult;
  pretrained?: PretrainedReport;
  /** Log lines about what was done to the model. */
  notes: string[];
}

export interface PrepareOptions {
  modelFile: string;
  /** Pretrained weights (model.json or folder); ignored when resuming. */
  weights?: string;
  /** A run's weights/last model.json to resume from (exact architecture match expected). */
  resumeFrom?: string;
  imageShape: [number, number, number];
  classes: number;
  /** The data's class names in label order: a checkpoint trained on other classes keeps a new head. */
  classNames?: readonly string[];
  seed: number;
  freeze: FreezeSpec;
}

function isSoftmax(layer: tf.layers.Layer): boolean {
  const cfg = layer.getConfig() as { activation?: unknown };
  return layer.getClassName() === 'Softmax' || cfg.activation === 'softmax';
}

/** A foreign model with another class count: a new last Dense layer (same name, fresh weights). */
function resizeTfjsHead(model: tf.LayersModel, classes: number, notes: string[]): tf.LayersModel {
  const layers = model.layers;
  let d = layers.length - 1;
  while (d >= 0 && layers[d].weights.length === 0) d--;
  if (d < 0 || layers[d].getClassName() !== 'Dense') {
    throw new ModelBuildError(
      `the model's last layer with weights (${layers[Math.max(d, 0)].name}) is not Dense: cannot resize the classifier to ${classes} classes`,
    );
  }
  const dense = layers[d];
  const cfg = dense.getConfig() as Record<string, unknown>;
  if (cfg.units === classes) return model;
  const fresh = tf.layers.dense({
    units: classes,
    activation: cfg.activation as 'linear',
    useBias: cfg.useBias as boolean,
    name: dense.name,
  });
  let out = fresh.apply(dense.input as tf.SymbolicTensor) as tf.SymbolicTensor;
  for (const after of layers.slice(d + 1)) out = after.apply(out) as tf.SymbolicTensor;
  notes.push(`classifier head ${dense.name} replaced: ${cfg.units} → ${classes} classes (trains from scratch)`);
  return tf.model({ inputs: model.inputs, outputs: out, name: model.name });
}

export async function prepareModel(o: PrepareOptions): Promise<PreparedModel> {
  registerFreezableBatchNorm();
  registerLazyGradConv2D();
  const [h, , c] = o.imageShape;
  const { summary, diagnostics } = await loadModelSummary(o.modelFile, { nc: o.classes, imgsz: h, ch: c });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!summary || errors.length > 0) throw new ModelBuildError(formatDiagnostics(errors.length ? errors : diagnostics));
  const notes: string[] = [];
  let model: tf.LayersModel;
  let graph: BuiltGraph | undefined;
  let tfLayer: (name: string) => tf.layers.Layer | undefined;
  let output: PreparedModel['output'] = 'logits';

  if (summary.kind === 'yolov5-yaml') {
    graph = buildYoloModel(summary, o.imageShape, o.classes, o.seed);
    model = graph.model;
    const built = graph.builder.paramLayers;
    tfLayer = (name) => built.get(name);
  } else {
    model = await loadLayersModelFile(o.modelFile);
    const inShape = model.inputs[0].shape.slice(1);
    if (inShape.length !== 3 || inShape.some((d, i) => d != null && d !== o.imageShape[i])) {
      throw new ModelBuildError(
        `image size mismatch: ${o.modelFile} expects input ${inShape.map((d) => d ?? '?').join('x')} but the data gives ${o.imageShape.join('x')}; ` +
          "set train.imgsz to the model's input size (and use RGB images for 3 channels)",
      );
    }
    model = resizeTfjsHead(model, o.classes, notes);
    output = isSoftmax(model.layers[model.layers.length - 1]) ? 'probabilities' : 'logits';
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    tfLayer = (name) => byName.get(name.replace(/^model\.\d+\./, ''));
  }

  let pretrained: PretrainedReport | undefined;
  if (o.resumeFrom) {
    pretrained = loadPretrained(model, o.resumeFrom);
    if (pretrained.mismatched.length > 0 || pretrained.missing.length > 0 || pretrained.headReplaced) {
      throw new ModelBuildError(
        `cannot resume: ${o.resumeFrom} does not match the model (${pretrained.mismatched.length} shape mismatches, ` +
          `${pretrained.missing.length} missing weights); the experiment's model or data changed since the run started`,
      );
    }
  } else if (o.weights) {
    pretrained = loadPretrained(model, o.weights, o.classNames);
  }

  const freeze = applyFreeze(model, summary, o.freeze, tfLayer);
  return { model, summary, output, tfLayer, graph, freeze, pretrained, notes };
}

/** tfjs name of one of our layer names in a model built from YAML (for tests and tools). */
export { toTfName };
