// Freezing exactly what the shared freeze rules (src/shared/freeze.ts) say: every layer with
// parameters whose parameters are all frozen gets trainable=false. Nothing else is decided here.
import * as tf from '@tensorflow/tfjs';
import type { FreezeSpec } from '../../shared/experiment/types';
import { frozenLayerNames, frozenState, validateFreeze } from '../../shared/freeze';
import type { ModelSummary } from '../../shared/model/types';
import { UserError } from '../../shared/userError';

export class FreezeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'FreezeError';
  }
}

export interface FreezeResult {
  spec: FreezeSpec;
  /** Our names of the frozen layers (`model.3.conv`). */
  frozenLayers: string[];
  /** Modules whose parameters are all frozen. */
  frozenModules: string[];
  /** Modules with some frozen layers. */
  partialModules: string[];
  /** Counted from the tfjs model: weights the optimizer updates / all parameters (BN statistics excluded). */
  trainableParams: number;
  totalParams: number;
  warnings: string[];
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parameters as YOLOv5 counts them: trainable weights plus frozen ones, without BN running statistics. */
export function countParams(model: tf.LayersModel): { trainable: number; total: number } {
  let trainable = 0;
  let total = 0;
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      if (/moving_(mean|variance)/.test(w.originalName)) continue;
      total += size(w.shape as number[]);
      if (layer.trainable && w.trainable) trainable += size(w.shape as number[]);
    }
  }
  return { trainable, total };
}

/**
 * Applies `spec` to `model`. `tfLayer(name)` finds the tfjs layer for one of the summary's layer
 * names. Throws FreezeError on a spec the model rejects (index out of range, unknown name).
 */
export function applyFreeze(
  model: tf.LayersModel,
  summary: ModelSummary,
  spec: FreezeSpec,
  tfLayer: (name: string) => tf.layers.Layer | undefined,
): FreezeResult {
  const diags = validateFreeze(summary, spec, { file: 'freeze', line: 1, column: 1 });
  const errors = diags.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new FreezeError(errors.map((d) => d.message).join('; '));
  const frozen = frozenLayerNames(summary, spec);
  const missing: string[] = [];
  for (const m of summary.modules) {
    for (const l of m.layers) {
      if (l.params.length === 0) continue;
      const layer = tfLayer(l.name);
      if (!layer) {
        missing.push(l.name);
        continue;
      }
      layer.trainable = !frozen.has(l.name);
    }
  }
  if (missing.length > 0)
    throw new FreezeError(`the built model has no layer for ${missing.join(', ')}: the model file and the trainer disagree`);
  const state = frozenState(summary, spec);
  const counts = countParams(model);
  const warnings = diags.filter((d) => d.severity === 'warning').map((d) => d.message);
  if (counts.total === state.totalParams && counts.trainable !== state.trainableParams) {
    warnings.push(`trainable parameters: tfjs model ${counts.trainable}, freeze rules ${state.trainableParams}`);
  }
  return {
    spec,
    frozenLayers: [...frozen],
    frozenModules: state.modules.filter((s) => s.state === 'frozen' && s.params > 0).map((s) => s.name),
    partialModules: state.modules.filter((s) => s.state === 'partial').map((s) => s.name),
    trainableParams: counts.trainable,
    totalParams: counts.total,
    warnings,
  };
}
