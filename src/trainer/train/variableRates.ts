// From modules to the tfjs variables a tfjs graph's engines train: each variable's learning-rate
// multiplier (its module's), and the batch-norm layers a freeze schedule has frozen so far (they
// stay in inference mode once unfrozen: frozenBatchNorm.ts).
import * as tf from '@tensorflow/tfjs';
import type { FreezeSpec } from '../../shared/experiment/types';
import { frozenLayerNames } from '../../shared/freeze';
import { FreezableBatchNormalization } from '../model/frozenBatchNorm';
import type { PreparedModel } from '../model/prepareModel';

/** Each trainable variable's multiplier, by tfjs variable name (variables outside every module: absent, 1). */
export function variableMultipliers(prepared: PreparedModel, moduleMults: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  prepared.summary.modules.forEach((m, i) => {
    for (const l of m.layers)
      for (const w of prepared.tfLayer(l.name)?.trainableWeights ?? []) out.set((w.read() as tf.Variable).name, moduleMults[i] ?? 1);
  });
  return out;
}

/** The batch-norm layers any of `freezes` froze: marked to stay in inference mode; returns their tfjs names. */
export function keepFrozenBatchNormInference(prepared: PreparedModel, freezes: readonly FreezeSpec[]): string[] {
  const names = new Set(freezes.flatMap((f) => [...frozenLayerNames(prepared.summary, f)]));
  const out: string[] = [];
  for (const name of names) {
    const layer = prepared.tfLayer(name);
    if (layer instanceof FreezableBatchNormalization) {
      layer.keepInference = true;
      out.push(layer.name);
    }
  }
  return out;
}
