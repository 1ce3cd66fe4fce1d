// Our parameter names are YOLOv5's (`model.3.cv1.conv.weight`); tfjs layers get a reversible
// spelling without dots (`model__3__cv1__conv`), and tfjs weight names map back to parameter names.

const SEP = '__';

/** `model.3.cv1.conv` → `model__3__cv1__conv`. Our names never contain `__`, so this is reversible. */
export function toTfName(name: string): string {
  if (name.includes(SEP)) throw new Error(`layer name ${name} contains '${SEP}', which the tfjs name mapping reserves`);
  return name.split('.').join(SEP);
}

/** `model__3__cv1__conv` → `model.3.cv1.conv`; names of foreign models (no `__`) stay as they are. */
export function fromTfName(tfName: string): string {
  return tfName.split(SEP).join('.');
}

/** tfjs weight suffix → PyTorch parameter/buffer suffix. */
const WEIGHT_SUFFIX: Record<string, string> = {
  kernel: 'weight',
  depthwise_kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** `model__3__conv/kernel` → `model.3.conv.weight` (unknown suffixes are kept). */
export function paramNameOfWeight(tfWeightName: string): string {
  const slash = tfWeightName.lastIndexOf('/');
  const layer = slash >= 0 ? tfWeightName.slice(0, slash) : tfWeightName;
  const suffix = slash >= 0 ? tfWeightName.slice(slash + 1).replace(/_\d+$/, '') : '';
  return `${fromTfName(layer)}.${WEIGHT_SUFFIX[suffix] ?? suffix}`;
}
