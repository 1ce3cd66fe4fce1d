// The tfjs model the trainer built (or loaded) as the torch worker reads it: the Keras-format layer
// list with each layer's input layers and trainable flag, and every weight as float32 in tfjs
// layout, in layer order. The same order carries weights back, so the run folder keeps tfjs files.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { ModelBuildError } from '../model/modelBuildError';

export interface TopologyLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** One entry per application of the layer (SPPF applies one pool three times): its input keys. */
  nodes: string[][];
  trainable: boolean;
  weights: number[][];
}

export interface Topology {
  layers: TopologyLayer[];
  /** Keys (`layer:node`) of the image input and of the logits. */
  input: string;
  output: string;
}

type KerasLayer = { class_name: string; name?: string; config: Record<string, unknown>; inbound_nodes?: unknown[][] };
type KerasModel = { config: { layers: KerasLayer[]; input_layers: unknown[][]; output_layers: unknown[][] } };

/** Each application of the layer (a node): the keys (`layer:node`) of its inputs. */
function nodeInputs(l: KerasLayer): string[][] {
  return (l.inbound_nodes ?? []).map((node) => (node as unknown[][]).map((n) => `${String(n[0])}:${Number(n[1])}`));
}

export function modelTopology(model: tf.LayersModel): Topology {
  const keras = model.toJSON(null, false) as unknown as KerasModel;
  // In model.layers order: the order weights travel in, both ways.
  const kerasByName = new Map(keras.config.layers.map((k) => [String(k.name ?? k.config.name), k]));
  if (keras.config.input_layers.length !== 1 || keras.config.output_layers.length !== 1) {
    throw new ModelBuildError('the torch engine trains models with one image input and one output');
  }
  return {
    layers: model.layers.map((layer) => {
      const k = kerasByName.get(layer.name);
      if (!k) throw new ModelBuildError(`layer ${layer.name} is missing from the model's topology`);
      return {
        name: layer.name,
        class_name: k.class_name,
        config: k.config,
        nodes: nodeInputs(k),
        trainable: layer.trainable,
        weights: layer.weights.map((w) => w.shape as number[]),
      };
    }),
    input: `${String(keras.config.input_layers[0][0])}:0`,
    output: `${String(keras.config.output_layers[0][0])}:${Number(keras.config.output_layers[0][1])}`,
  };
}

/** Every layer's weights, in topology order, as one float32 file. */
export function writeModelWeights(model: tf.LayersModel, file: string): void {
  const parts = model.layers.flatMap((l) => l.getWeights().map((t) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0))));
  writeFileSync(file, Buffer.concat(parts));
}

/** Weights the worker saved (topology order, tfjs layout) into the tfjs model, ready to serialise. */
export function readModelWeights(model: tf.LayersModel, file: string): void {
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  let at = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const tensors = layer.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const t = tf.tensor(all.subarray(at, at + n), w.shape as number[]);
      at += n;
      return t;
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  if (at !== all.length) throw new Error(`${file} holds ${all.length} weights, the model has ${at}`);
}
