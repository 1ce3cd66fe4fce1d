// TensorFlow.js layers-model files on disk (model.json + weight shards) without tfjs-node's file://
// handler: read, decode, load a LayersModel, and serialise a model (plus optimizer state and our
// metadata) into the files of a weights folder.
import * as tf from '@tensorflow/tfjs';
import type { FreezeSpec } from '../../shared/experiment/types';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../shared/userError';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const OPTIMIZER_BIN = 'optimizer.bin';

/** What the trainer adds to model.json under `userDefinedMetadata.transferLab`. */
export interface TransferLabMetadata {
  classes: string[];
  epoch: number;
  valAccuracy?: number;
  experiment?: string;
  /** Whether the model outputs logits (our models) or probabilities (a softmax output layer). */
  output: 'logits' | 'probabilities';
  /** The freeze the weights and optimizer state were trained under, when a freeze schedule changes
   *  it: a resumed run builds its model with it, so the state fits the trainable weights. */
  freeze?: FreezeSpec;
  /** Optimizer state saved alongside (resume): class name and weight specs in optimizer.bin. */
  optimizer?: { className: string; specs: tf.io.WeightsManifestEntry[] };
}

type ModelJson = tf.io.ModelJSON & { userDefinedMetadata?: { transferLab?: TransferLabMetadata } };

export class WeightsFileError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsFileError';
  }
}

/** `weights:` may name a model.json or a folder holding one (a run's weights/best). */
export function resolveModelJson(p: string): string {
  let isDir = false;
  try {
    isDir = statSync(p).isDirectory();
  } catch {
    throw new WeightsFileError(
      `weights ${p} do not exist: point weights: at a model.json or a run's weights/best folder (run the pretraining experiment first)`,
    );
  }
  const file = isDir ? path.join(p, MODEL_JSON) : p;
  if (!existsSync(file))
    throw new WeightsFileError(`${p} has no ${MODEL_JSON}: point weights: at a run's weights/best folder or a TensorFlow.js model.json`);
  return file;
}

export function readModelJson(file: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WeightsFileError(`${file} is not readable JSON (${(err as Error).message.split('\n')[0]}); re-export the model`);
  }
  const j = json as ModelJson;
  if (typeof j !== 'object' || j === null || !Array.isArray(j.weightsManifest)) {
    throw new WeightsFileError(`${file} has no weightsManifest: it is not a TensorFlow.js layers model.json`);
  }
  return j;
}

/** Weight specs and the concatenated shard bytes of a model.json. */
export function readWeightData(file: string, json = readModelJson(file)): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const shardFile = path.join(path.dirname(file), shard);
      if (!existsSync(shardFile)) throw new WeightsFileError(`${file} lists weight file ${shard}, which is missing next to it`);
      buffers.push(readFileSync(shardFile));
    }
  }
  const all = Buffer.concat(buffers);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w), 0);
  if (all.length < expected)
    throw new WeightsFileError(
      `${file}: the weight files hold ${all.length} bytes but the manifest needs ${expected}; the files are truncated`,
    );
  return { specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer };
}

function bytesPerElement(w: tf.io.WeightsManifestEntry): number {
  if (w.quantization) return w.quantization.dtype === 'uint8' ? 1 : 2;
  return w.dtype === 'float32' || w.dtype === 'int32' || w.dtype === undefined ? 4 : 1;
}

/** Every weight of a model.json by its tfjs name (`model__3__conv/kernel`). Caller disposes. */
export function readNamedWeights(file: string): { weights: tf.NamedTensorMap; metadata?: TransferLabMetadata } {
  const json = readModelJson(file);
  const { specs, data } = readWeightData(file, json);
  return { weights: tf.io.decodeWeights(data, specs), metadata: json.userDefinedMetadata?.transferLab };
}

export function readMetadata(file: string): TransferLabMetadata | undefined {
  return readModelJson(file).userDefinedMetadata?.transferLab;
}

/** A LayersModel from a model.json on disk (topology and weights). */
export async function loadLayersModelFile(file: string): Promise<tf.LayersModel> {
  const json = readModelJson(file);
  if (!json.modelTopology) throw new WeightsFileError(`${file} has no modelTopology: it is not a layers model`);
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async () => {
    const { specs, data } = readWeightData(file, json);
    return [specs, data];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/** Optimizer state (Adam moments…) saved with `last`, restored on --resume. Caller disposes. */
export function readOptimizerState(file: string): { className: string; weights: Array<{ name: string; tensor: tf.Tensor }> } | undefined {
  const meta = readMetadata(file);
  const bin = path.join(path.dirname(file), OPTIMIZER_BIN);
  if (!meta?.optimizer || !existsSync(bin)) return undefined;
  const buf = readFileSync(bin);
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer, meta.optimizer.specs);
  return { className: meta.optimizer.className, weights: meta.optimizer.specs.map((s) => ({ name: s.name, tensor: map[s.name] })) };
}

function toBytes(data: tf.io.WeightData): Uint8Array {
  const bufs = Array.isArray(data) ? data : [data];
  return Buffer.concat(bufs.map((b) => Buffer.from(b)));
}

/** An optimizer's state as tfjs names it (`iter`, `<variable>/m`, `<variable>/v`): another engine's, converted. */
export interface OptimizerState {
  className: string;
  weights: Array<{ name: string; tensor: tf.Tensor }>;
}

/** The files of a weights folder: model.json, weights.bin and (with an optimizer) optimizer.bin. */
export async function modelFolderFiles(
  model: tf.LayersModel,
  metadata: TransferLabMetadata,
  optimizer?: tf.Optimizer | OptimizerState,
): Promise<Record<string, Uint8Array | string>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('tfjs returned no weights when saving the model');
  const files: Record<string, Uint8Array | string> = { [WEIGHTS_BIN]: toBytes(artifacts.weightData) };
  const meta: TransferLabMetadata = { ...metadata };
  if (optimizer) {
    const state = 'getWeights' in optimizer ? await optimizer.getWeights() : optimizer.weights;
    if (state.length > 0) {
      const encoded = await tf.io.encodeWeights(state);
      files[OPTIMIZER_BIN] = toBytes(encoded.data);
      meta.optimizer = { className: 'getWeights' in optimizer ? optimizer.getClassName() : optimizer.className, specs: encoded.specs };
    }
  }
  const json: ModelJson = {
    modelTopology: artifacts.modelTopology as object,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    userDefinedMetadata: { transferLab: meta },
  };
  files[MODEL_JSON] = JSON.stringify(json);
  return files;
}

/** sha256 over model.json and its weight shards, in manifest order: identifies pretrained weights. */
export function sha256OfModelFiles(file: string): string {
  const json = readModelJson(file);
  const h = createHash('sha256');
  h.update(readFileSync(file));
  for (const group of json.weightsManifest) for (const shard of group.paths) h.update(readFileSync(path.join(path.dirname(file), shard)));
  return h.digest('hex');
}
