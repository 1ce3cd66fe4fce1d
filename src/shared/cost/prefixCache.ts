// The frozen-prefix cache's rules: which leading modules train nothing, so their outputs can be
// computed once per image instead of every step. One definition shared by the trainer (frozenCache.ts
// plans the real cache) and the cost prediction (estimateCost.ts predicts its speed-up), so the two
// cannot disagree about when the cache applies.
import type { FreezeSpec } from '../experiment/types';
import { freezePrefixes, isParamFrozen } from '../freeze';
import type { LayerInfo, ModelSummary, ModuleInfo } from '../model/types';

/** Module indices feeding `m` (-1: the model input). tfjs models are chains. */
export function moduleInputIndices(m: ModuleInfo): number[] {
  const from = m.from ?? -1;
  return (Array.isArray(from) ? from : [from]).map((f) => (f < 0 ? m.index + f : f));
}

export interface PrefixCacheRules {
  applies: boolean;
  reason: string;
  /** First module trained on the cached outputs. */
  start?: number;
  /** Modules (< start) whose outputs are cached, in input order of the head. */
  boundary?: number[];
}

/**
 * The frozen-prefix cache's rules, shared by the trainer (planCache, which adds the dataset-size
 * budget) and the cost prediction: the leading modules whose layers are all frozen (`layerFrozen`;
 * parameter-free layers count as frozen) are computed once when there is such a prefix with
 * parameters, something after it trains, no Dropout is in it, and no trainable module reads the image.
 */
export function prefixCacheRules(model: ModelSummary, layerFrozen: (layer: LayerInfo) => boolean): PrefixCacheRules {
  if (model.kind !== 'yolov5-yaml') return { applies: false, reason: 'only YOLOv5-style YAML models can cache a frozen prefix' };
  let k = 0;
  while (k < model.modules.length && model.modules[k].layers.every((l) => l.params.length === 0 || layerFrozen(l))) k++;
  if (k === 0 || !model.modules.slice(0, k).some((m) => m.params > 0))
    return { applies: false, reason: 'no frozen modules at the start of the model' };
  if (k >= model.modules.length) return { applies: false, reason: 'every module is frozen' };
  const dropout = model.modules.slice(0, k).find((m) => m.type === 'Dropout');
  if (dropout) return { applies: false, reason: `${dropout.name} (Dropout) in the frozen prefix makes it random per step` };
  const boundary = new Set<number>();
  for (const m of model.modules.slice(k)) for (const i of moduleInputIndices(m)) if (i < k) boundary.add(i);
  if (boundary.has(-1)) return { applies: false, reason: 'a trainable module reads the input image directly' };
  return {
    applies: true,
    reason: `modules ${model.modules[0].name}–${model.modules[k - 1].name} train nothing: their outputs are computed once`,
    start: k,
    boundary: [...boundary].sort((a, b) => a - b),
  };
}

/** Whether the trainer would cache the frozen prefix for this spec (before its dataset-size budget). */
export function cachePlan(model: ModelSummary, spec: FreezeSpec): PrefixCacheRules {
  const prefixes = freezePrefixes(spec);
  return prefixCacheRules(model, (l) => l.params.every((p) => isParamFrozen(p.name, prefixes)));
}
