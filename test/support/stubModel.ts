// A model summary of `n` ten-parameter Conv modules (`backboneLength`: its backbone: section), for
// tests of freeze plans that need a module count, not a real model.
import type { ModelSummary, ModuleInfo } from '../../src/shared/model/types';

export function stubModel(n: number, backboneLength?: number): ModelSummary {
  const modules: ModuleInfo[] = Array.from({ length: n }, (_, i) => ({
    index: i,
    name: `model.${i}`,
    type: 'Conv',
    layers: [],
    params: 10,
  }));
  return { kind: 'yolov5-yaml', file: '/m.yaml', modules, totalParams: 10 * n, backboneLength };
}
