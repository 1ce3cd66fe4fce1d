// The model as every process sees it: modules numbered in execution order (`model.<i>`), each made
// of layers (`model.<i>.<layer>`) holding parameters (`model.<i>.<layer>.<weight>`). Parsed from a
// YOLOv5-style architecture YAML or a TensorFlow.js `model.json`, without TensorFlow.js.

/** One parameter tensor, named as YOLOv5 names it: `model.3.conv.weight`. */
export interface ParamInfo {
  name: string;
  shape: number[];
  count: number;
}

/** One layer inside a module, e.g. `model.3.conv` (a Conv2d) or `model.3.bn` (a BatchNorm2d). */
export interface LayerInfo {
  name: string;
  type: string;
  params: ParamInfo[];
}

/** One row of the Modules view and of `transfer-lab modules`. */
export interface ModuleInfo {
  index: number;
  /** `model.<index>` */
  name: string;
  /** Conv, C3, SPPF, Dense, Classify…, or the tfjs class name (`Block` for a group of tfjs layers). */
  type: string;
  /** Display name when it differs from `name`: the tfjs layer name or block prefix (`block_3`). */
  label?: string;
  /** YOLOv5 `from` (-1 = previous module); absent for tfjs models. */
  from?: number | number[];
  /** YOLOv5 `number` after depth scaling; absent for tfjs models. */
  repeats?: number;
  /** Module arguments after width scaling (YOLOv5), for display and for building. */
  args?: unknown[];
  /** Output shape without the batch dimension (HWC for images) when known; torchvision models give
   *  PyTorch's own order (C×H×W), as their users read it in PyTorch. */
  outShape?: number[];
  section?: 'backbone' | 'head';
  layers: LayerInfo[];
  /** Total parameter count of the module. */
  params: number;
  /** 1-based line in the architecture file where the module is declared, when known. */
  line?: number;
}

export interface ModelSummary {
  /** 'torchvision': a torchvision.models builder, inspected with Python (src/shared/torchvision/). */
  kind: 'yolov5-yaml' | 'tfjs' | 'torchvision';
  /** Absolute path of the architecture file or model.json; `torchvision:<builder>` for torchvision. */
  file: string;
  modules: ModuleInfo[];
  totalParams: number;
  /** Number of modules in the `backbone:` section (YOLOv5 YAML), used by "Freeze Backbone". */
  backboneLength?: number;
  /** Class count. */
  nc?: number;
  /** Input shape HWC when known. */
  inputShape?: number[];
}
