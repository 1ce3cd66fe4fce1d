// `model: torchvision:<builder>` and its `weights:` — a classification builder of the user's
// torchvision (resnet18, mobilenet_v3_small, vit_b_16…), built only by the `torch` engine:
//
//   model: torchvision:resnet18
//   weights: torchvision:DEFAULT      # torchvision's own weights (downloaded into its cache), or
//   weights: resnet18-init.pth        # a local state dict (.pt/.pth), relative to the experiment
//
// Only the form is checked here (no Python): whether the builder exists depends on the user's
// torchvision, so an unknown name is reported when the model is inspected (../torchvision/inspect.ts),
// at the `model:` line. Pure: no Node APIs beyond path.
import * as path from 'node:path';
import { show } from './describeValue';
import type { TorchvisionModel } from './types';
import type { YamlPath } from './yamlPositions';

export const TORCHVISION_PREFIX = 'torchvision:';

/** `torchvision:…` (a model or weights value naming torchvision rather than a file). */
export function isTorchvisionRef(v: unknown): v is string {
  return typeof v === 'string' && v.trim().startsWith(TORCHVISION_PREFIX);
}

const BUILDER = /^[a-z][a-z0-9_]*$/;
const WEIGHTS_NAME = /^[A-Z][A-Z0-9_]*$/;
const STATE_DICT = /\.(pt|pth)$/i;

export interface TorchvisionSettings {
  /** `exp.model`: the value as written (`torchvision:resnet18`), not a path. */
  model: string;
  /** `exp.weights`: `torchvision:DEFAULT` as written, or the state dict's absolute path. */
  weights?: string;
  spec: TorchvisionModel;
}

type Report = (p: YamlPath, message: string) => void;

/** Reads `model: torchvision:…` and its `weights:`; undefined (with errors reported) when invalid. */
export function readTorchvisionSettings(root: Record<string, unknown>, dir: string, error: Report): TorchvisionSettings | undefined {
  const model = String(root.model).trim();
  const builder = model.slice(TORCHVISION_PREFIX.length).trim();
  let ok = true;
  if (!BUILDER.test(builder)) {
    error(
      ['model'],
      `'${model}' does not name a torchvision builder: write the name of a torchvision.models classification builder after 'torchvision:', e.g. \`model: torchvision:resnet18\``,
    );
    ok = false;
  }
  const spec: TorchvisionModel = { builder };
  const out: TorchvisionSettings = { model: `${TORCHVISION_PREFIX}${builder}`, spec };
  const w = root.weights;
  if (isTorchvisionRef(w)) {
    const name = w.trim().slice(TORCHVISION_PREFIX.length).trim();
    if (!WEIGHTS_NAME.test(name)) {
      error(
        ['weights'],
        `'${w}' does not name torchvision weights: write \`weights: torchvision:DEFAULT\` (the builder's best weights) or an enum name such as torchvision:IMAGENET1K_V1`,
      );
      ok = false;
    } else {
      spec.weights = { kind: 'torchvision', name };
      out.weights = `${TORCHVISION_PREFIX}${name}`;
    }
  } else if (w !== undefined && w !== null) {
    if (typeof w !== 'string' || !STATE_DICT.test(w.trim())) {
      error(
        ['weights'],
        `weights for ${model} must be \`torchvision:DEFAULT\` (torchvision's pretrained weights) or the path of a PyTorch state dict (.pt or .pth) relative to this file; got ${show(w)}`,
      );
      ok = false;
    } else {
      const file = path.resolve(dir, w.trim());
      spec.weights = { kind: 'file', path: file };
      out.weights = file;
    }
  }
  return ok ? out : undefined;
}

/** The error for `weights: torchvision:…` under a model that torchvision does not build. */
export function torchvisionWeightsMisuse(root: Record<string, unknown>): string | undefined {
  if (!isTorchvisionRef(root.weights) || isTorchvisionRef(root.model)) return undefined;
  return `weights '${String(root.weights)}' are torchvision's, but model is not a torchvision builder: use \`model: torchvision:<builder>\` (e.g. torchvision:resnet18), or weights from a run (a model.json or a run's weights folder)`;
}
