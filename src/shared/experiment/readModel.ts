// Reads what is trained and where it starts from: `model:` (an architecture YAML, a TensorFlow.js
// model.json, or `torchvision:<builder>`), `weights:` (pretrained weights to load) and `pretrain:`
// (the experiment whose run writes those weights). The three are read together because torchvision
// models bring their own weights and make a `weights:` path a mistake.
import type { Obj, ParseContext } from './parseContext';
import { isTorchvisionRef, readTorchvisionSettings, torchvisionWeightsMisuse } from './torchvisionSpec';
import type { TorchvisionModel } from './types';

export interface ModelSettings {
  model?: string;
  weights?: string;
  pretrain?: string;
  torchvision?: TorchvisionModel;
  /** True when `weights:` was misused with a torchvision model (already reported as an error). */
  failed: boolean;
}

export function readModel(ctx: ParseContext, root: Obj): ModelSettings {
  // `model: torchvision:<builder>` names a model and weights torchvision builds (torchvisionSpec.ts).
  const torchvisionRef = isTorchvisionRef(root.model);
  const tv = torchvisionRef ? readTorchvisionSettings(root, ctx.dir, (p, m) => ctx.error(p, m)) : undefined;
  const misuse = torchvisionWeightsMisuse(root);
  if (misuse) ctx.error(['weights'], misuse);
  const model = torchvisionRef ? tv?.model : modelPath(ctx, root);
  const weights =
    torchvisionRef || misuse
      ? tv?.weights
      : ctx.optionalPath(root, ['weights'], "the pretrained weights (a model.json or a run's weights folder)");
  const pretrain = pretrainPath(ctx, root);
  return { model, weights, pretrain, torchvision: tv?.spec, failed: Boolean(misuse) };
}

function modelPath(ctx: ParseContext, root: Obj): string | undefined {
  if (root.model === undefined) {
    ctx.error(
      [],
      'missing required key `model:`; add e.g. `model: model.yaml` (a YOLOv5-style architecture YAML), the path of a TensorFlow.js model.json, or `model: torchvision:resnet18`',
    );
    return undefined;
  }
  const p = ctx.optionalPath(root, ['model'], 'an architecture YAML (.yaml/.yml) or a TensorFlow.js model.json');
  if (p !== undefined && !/\.(ya?ml|json)$/i.test(p)) {
    ctx.error(
      ['model'],
      `model must name a .yaml/.yml architecture file, a TensorFlow.js model.json or a torchvision builder (\`torchvision:resnet18\`), got '${String(root.model)}'`,
    );
    return undefined;
  }
  return p;
}

function pretrainPath(ctx: ParseContext, root: Obj): string | undefined {
  const p = ctx.optionalPath(root, ['pretrain'], 'the experiment file that produces `weights`');
  if (p !== undefined && !/\.ya?ml$/i.test(p)) {
    ctx.error(['pretrain'], `pretrain must name another experiment file (*.experiment.yaml), got '${String(root.pretrain)}'`);
    return undefined;
  }
  if (p !== undefined && root.weights === undefined) {
    ctx.warning(
      ['pretrain'],
      'pretrain is set but weights is not: add `weights:` with the path where the pretrain run writes its weights (e.g. runs/<name>/weights/best/model.json)',
      'key',
    );
  }
  return p;
}
