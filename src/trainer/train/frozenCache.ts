// The frozen-prefix cache: when the first modules are frozen, their outputs never change, so they
// are computed once for every image and only the modules after them are trained, on those outputs
// (measured 6–9x faster steps on wasm, ~18x less step memory). Valid only when the prefix is
// deterministic: no dropout in it (frozen batch norm already runs in inference mode) and no data
// augmentation (the trainer has none). The head shares the full model's layers, so saving the full
// model saves what the head learned.
import * as tf from '@tensorflow/tfjs';
import { prefixCacheRules } from '../../shared/cost/prefixCache';
import { buildModules } from '../model/buildYolo';
import type { PreparedModel } from '../model/prepareModel';
import { featureBytes, FeatureSet } from './featureSet';

export interface CachePlan {
  used: boolean;
  reason: string;
  /** First module trained on the cached outputs. */
  start?: number;
  /** Modules (< start) whose outputs are cached, in input order of the head. */
  boundary?: number[];
}

/** Whether two plans cache the same prefix (or neither caches). */
export function samePlan(a: CachePlan | undefined, b: CachePlan | undefined): boolean {
  const key = (p: CachePlan | undefined): string => (p?.used ? `${p.start}:${p.boundary!.join(',')}` : 'none');
  return key(a) === key(b);
}

export const CACHE_BUDGET_BYTES = 1024 * 1024 * 1024;

export function planCache(prepared: PreparedModel, samples: number, disabled: boolean): CachePlan {
  if (disabled) return { used: false, reason: 'disabled with --no-cache' };
  const { summary, graph } = prepared;
  if (!graph) return { used: false, reason: 'only YOLOv5-style YAML models can cache a frozen prefix' };
  const frozen = new Set(prepared.freeze.frozenLayers);
  const rules = prefixCacheRules(summary, (l) => frozen.has(l.name));
  if (!rules.applies) return { used: false, reason: rules.reason };
  const shapes = rules.boundary!.map((i) => graph.outputs[i].shape.slice(1) as number[]);
  const bytes = featureBytes(shapes, samples);
  if (bytes > CACHE_BUDGET_BYTES) {
    return {
      used: false,
      reason: `the frozen prefix's outputs would take ${(bytes / 1048576).toFixed(0)} MB (over ${CACHE_BUDGET_BYTES / 1048576} MB)`,
    };
  }
  return { used: true, reason: rules.reason, start: rules.start, boundary: rules.boundary };
}

/** The head model: inputs are the cached boundary outputs, layers shared with the full model. */
export function buildHead(prepared: PreparedModel, plan: CachePlan, classes: number): tf.LayersModel {
  const graph = prepared.graph!;
  const inputs = plan.boundary!.map((i) => tf.input({ shape: graph.outputs[i].shape.slice(1) as number[], name: `cached_${i}` }));
  const given = new Map<number, tf.SymbolicTensor>(plan.boundary!.map((i, j) => [i, inputs[j]]));
  const outs = buildModules(graph.builder, prepared.summary, given, plan.start!, classes);
  return tf.model({ inputs, outputs: outs[outs.length - 1], name: 'transfer_lab_head' });
}

/** Runs the frozen prefix once over a whole set (inference mode, in batches). */
export async function cacheFeatures(
  prepared: PreparedModel,
  plan: CachePlan,
  images: FeatureSet,
  batch: number,
  between?: () => Promise<void>,
): Promise<FeatureSet> {
  const graph = prepared.graph!;
  const prefix = tf.model({ inputs: graph.model.inputs, outputs: plan.boundary!.map((i) => graph.outputs[i]) });
  const shapes = plan.boundary!.map((i) => graph.outputs[i].shape.slice(1) as number[]);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const arrays = sizes.map((s) => new Float32Array(s * images.count));
  const [h, w, c] = images.shapes[0];
  const px = h * w * c;
  for (let start = 0; start < images.count; start += batch) {
    const n = Math.min(batch, images.count - start);
    const outs = tf.tidy(() => {
      const x = tf.tensor4d(images.arrays[0].subarray(start * px, (start + n) * px), [n, h, w, c]);
      const y = prefix.apply(x, { training: false });
      return Array.isArray(y) ? (y as tf.Tensor[]) : [y as tf.Tensor];
    });
    const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    data.forEach((d, k) => arrays[k].set(d, start * sizes[k]));
    if (between) await between();
  }
  return { arrays, shapes, labels: images.labels, count: images.count };
}
