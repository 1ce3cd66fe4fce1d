// One summary module (a row of the model YAML, as parseYoloModel described it) → TensorFlow.js layers:
// reads parse_model's constructor arguments from ModuleInfo.args and assembles the YOLOv5 blocks
// of yoloGraphBuilder.ts, repeating n times where YOLOv5 wraps copies in nn.Sequential. A module the
// trainer cannot build is a ModelBuildError naming it.
import * as tf from '@tensorflow/tfjs';
import type { ModuleInfo } from '../../shared/model/types';
import { ModelBuildError } from './modelBuildError';
import { ACTIVATION, optNum, pair, type YoloGraphBuilder } from './yoloGraphBuilder';

type Sym = tf.SymbolicTensor;

/** Builds one module from its inputs; repeated copies are named `model.4.0`, `model.4.1`… */
export function buildModule(b: YoloGraphBuilder, m: ModuleInfo, inputs: Sym[], nc: number): Sym {
  const a = m.args ?? [];
  const p = m.name;
  const single = inputs[0];
  const repeats = m.repeats ?? 1;
  const repeated = (build: (prefix: string, x: Sym) => Sym): Sym => {
    if (repeats === 1 || ['C3', 'C3x', 'C3Ghost', 'BottleneckCSP'].includes(m.type)) return build(p, single);
    let x = single;
    for (let i = 0; i < repeats; i++) x = build(`${p}.${i}`, x);
    return x;
  };
  const c2 = Number(a[1]);
  switch (m.type) {
    case 'Conv': {
      const act = a[7] === false ? false : 'swish';
      const pad = a[4] == null ? null : pair(a[4], 0);
      return repeated((q, x) => b.conv(q, x, c2, pair(a[2], 1), pair(a[3], 1), pad, optNum(a[5], 1), optNum(a[6], 1), act));
    }
    case 'DWConv':
      return repeated((q, x) => b.dwConv(q, x, c2, optNum(a[2], 1), optNum(a[3], 1), optNum(a[4], 1), a[5] === false ? false : 'swish'));
    case 'GhostConv':
      return repeated((q, x) => b.ghostConv(q, x, c2, optNum(a[2], 1), optNum(a[3], 1), optNum(a[4], 1), a[5] === false ? false : 'swish'));
    case 'CrossConv':
      return repeated((q, x) => b.crossConv(q, x, c2, optNum(a[2], 3), optNum(a[3], 1), optNum(a[4], 1), optNum(a[5], 1), a[6] === true));
    case 'Bottleneck':
      return repeated((q, x) => b.bottleneck(q, x, c2, a[2] !== false, optNum(a[3], 1), optNum(a[4], 0.5)));
    case 'GhostBottleneck':
      return repeated((q, x) => b.ghostBottleneck(q, x, c2, optNum(a[2], 3), optNum(a[3], 1)));
    case 'C3':
    case 'C3x':
    case 'C3Ghost':
      return c3(b, m, single, c2);
    case 'BottleneckCSP':
      return bottleneckCSP(b, m, single, c2);
    case 'SPP': {
      const ks = Array.isArray(a[2]) ? (a[2] as number[]) : [5, 9, 13];
      const c_ = Math.trunc(Number(a[0]) / 2);
      const x = b.conv(`${p}.cv1`, single, c_, 1, 1);
      const pools = ks.map((k) => b.maxPool(`${p}.m.${k}`, x, k, 1, Math.floor(k / 2)));
      return b.conv(`${p}.cv2`, b.concat(`${p}.cat`, [x, ...pools]), c2, 1, 1);
    }
    case 'SPPF': {
      const k = optNum(a[2], 5);
      const c_ = Math.trunc(Number(a[0]) / 2);
      const x = b.conv(`${p}.cv1`, single, c_, 1, 1);
      const y1 = b.maxPool(`${p}.m`, x, k, 1, Math.floor(k / 2));
      const y2 = b.apply(b.layers.get(`${p}.m`)!, y1);
      const y3 = b.apply(b.layers.get(`${p}.m`)!, y2);
      return b.conv(`${p}.cv2`, b.concat(`${p}.cat`, [x, y1, y2, y3]), c2, 1, 1);
    }
    case 'Concat':
      return b.concat(`${p}.cat`, inputs);
    case 'Upsample': {
      const scale = a[1];
      if (typeof scale !== 'number' || !Number.isInteger(scale)) {
        throw new ModelBuildError(`${p}: Upsample needs an integer scale factor ([None, 2, "nearest"]) to train in TensorFlow.js`);
      }
      const interpolation = a[2] === 'bilinear' ? 'bilinear' : 'nearest';
      return b.apply(
        b.layer(`${p}.up`, (n) => tf.layers.upSampling2d({ size: [scale, scale], interpolation, name: n })),
        single,
      );
    }
    case 'MaxPool':
      return repeated((q, x) => b.maxPool(q, x, Number(a[0]), optNum(a[1], Number(a[0])), optNum(a[2], 0)));
    case 'AvgPool':
      return repeated((q, x) => {
        const k = Number(a[0]);
        const s = optNum(a[1], k);
        const pd = optNum(a[2], 0);
        const { x: xp, padding } = b.padded(q, x, [k, k], [s, s], [pd, pd]);
        return b.apply(
          b.layer(q, (n) => tf.layers.averagePooling2d({ poolSize: k, strides: s, padding, name: n })),
          xp,
        );
      });
    case 'GlobalAvgPool':
      return b.apply(
        b.layer(`${p}.pool`, (n) => tf.layers.globalAveragePooling2d({ name: n })),
        single,
      );
    case 'Flatten':
      return single.shape.length === 2
        ? single
        : b.apply(
            b.layer(`${p}.flat`, (n) => tf.layers.flatten({ name: n })),
            single,
          );
    case 'Dense':
      return repeated((q, x) => {
        const act = ACTIVATION[String(a[2] ?? 'linear').toLowerCase()] ?? 'linear';
        const y = b.apply(
          b.layer(
            q,
            (n) =>
              tf.layers.dense({
                units: Number(a[1]),
                name: n,
                kernelInitializer: tf.initializers.glorotUniform({ seed: b.nextSeed() }),
              }),
            true,
          ),
          x,
        );
        return b.act(`${q}.act`, y, act);
      });
    case 'Dropout':
      return b.apply(
        b.layer(`${p}.drop`, (n) => tf.layers.dropout({ rate: Number(a[0]), name: n })),
        single,
      );
    case 'BatchNorm':
    case 'BatchNorm2d':
      return repeated((q, x) => b.bn(q, x));
    case 'Classify': {
      // Classify(c1, c2, k, s): Conv(c1, 1280, k, s) → global average pool → Dropout(0) → Linear(1280, c2)
      const x = b.conv(`${p}.conv`, single, 1280, optNum(a[2], 1), optNum(a[3], 1));
      const pooled = b.apply(
        b.layer(`${p}.pool`, (n) => tf.layers.globalAveragePooling2d({ name: n })),
        x,
      );
      return b.apply(
        b.layer(
          `${p}.linear`,
          (n) =>
            tf.layers.dense({
              units: Number(a[1] ?? nc),
              name: n,
              kernelInitializer: tf.initializers.glorotUniform({ seed: b.nextSeed() }),
            }),
          true,
        ),
        pooled,
      );
    }
    case 'Detect':
      throw new ModelBuildError(
        `${p} is a Detect head (object detection): the trainer trains image classifiers; end the model with Classify [nc] or Dense [nc]`,
      );
    default:
      throw new ModelBuildError(
        `${p}: module ${m.type} cannot be trained in TensorFlow.js yet; supported: Conv, DWConv, GhostConv, CrossConv, Bottleneck, GhostBottleneck, C3, C3x, C3Ghost, BottleneckCSP, SPP, SPPF, Concat, Upsample, MaxPool, AvgPool, GlobalAvgPool, Flatten, Dense, Dropout, BatchNorm, Classify`,
      );
  }
}

/** C3(c1, c2, n, shortcut, g, e): cv1 → n inner blocks, concatenated with cv2, then cv3. */
function c3(b: YoloGraphBuilder, m: ModuleInfo, single: Sym, c2: number): Sym {
  const a = m.args ?? [];
  const p = m.name;
  const n = Number(a[2]);
  const shortcut = a[3] !== false;
  const g = optNum(a[4], 1);
  const c_ = Math.trunc(c2 * optNum(a[5], 0.5));
  let y = b.conv(`${p}.cv1`, single, c_, 1, 1);
  for (let i = 0; i < n; i++) {
    const q = `${p}.m.${i}`;
    if (m.type === 'C3') y = b.bottleneck(q, y, c_, shortcut, g, 1.0);
    else if (m.type === 'C3x') y = b.crossConv(q, y, c_, 3, 1, g, 1.0, shortcut);
    else y = b.ghostBottleneck(q, y, c_, 3, 1);
  }
  const y2 = b.conv(`${p}.cv2`, single, c_, 1, 1);
  return b.conv(`${p}.cv3`, b.concat(`${p}.cat`, [y, y2]), c2, 1, 1);
}

/** BottleneckCSP(c1, c2, n, shortcut, g, e): the CSP block with plain convolutions around a batch norm. */
function bottleneckCSP(b: YoloGraphBuilder, m: ModuleInfo, single: Sym, c2: number): Sym {
  const a = m.args ?? [];
  const p = m.name;
  const n = Number(a[2]);
  const c_ = Math.trunc(c2 * optNum(a[5], 0.5));
  let y = b.conv(`${p}.cv1`, single, c_, 1, 1);
  for (let i = 0; i < n; i++) y = b.bottleneck(`${p}.m.${i}`, y, c_, a[3] !== false, optNum(a[4], 1), 1.0);
  const y1 = b.conv2d(`${p}.cv3`, y, c_, [1, 1], [1, 1], [0, 0], 1, 1, false);
  const y2 = b.conv2d(`${p}.cv2`, single, c_, [1, 1], [1, 1], [0, 0], 1, 1, false);
  const z = b.act(`${p}.act`, b.bn(`${p}.bn`, b.concat(`${p}.cat`, [y1, y2])), 'swish');
  return b.conv(`${p}.cv4`, z, c2, 1, 1);
}
