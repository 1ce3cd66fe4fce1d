// Pooling and upsampling gradients from plain ops. tfjs-backend-wasm 4.22's MaxPoolGrad drops the
// gradient of every window whose maximum is negative (common after SiLU or batch norm; the registry
// replaces it with a faster exact kernel, see wasmConvKernels.ts; this version serves
// backends without one), and its ResizeNearestNeighborGrad (the gradient of Upsample) disagrees with
// finite differences, as does the cpu backend's (e.g. for 7×7 → 14×14).
import * as tf from '@tensorflow/tfjs';
import { padOrCrop, dilateSpatial } from './kernelTensors';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];

/**
 * MaxPoolGrad: the gradient goes to the first (row-major) maximum of each window, as TensorFlow
 * does. Non-overlapping windows (filter = stride) take a vectorised path; others loop over the
 * filter's positions.
 */
export function maxPoolGradient(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  filterSize: Pair,
  strides: Pair,
  pad: Pad,
  rounding?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, rounding);
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    outHeight: ho,
    outWidth: wo,
    inHeight: h,
    inWidth: w,
  } = info;
  const { top, left } = info.padInfo;
  const [n, , , c] = x.shape;
  // x padded with -Infinity (padding never wins a max) to exactly the rows and columns windows read.
  const needH = (ho - 1) * sh + kh;
  const needW = (wo - 1) * sw + kw;
  const padded = (t: tf.Tensor4D, value: number): tf.Tensor4D => {
    const extra: Array<[number, number]> = [
      [0, 0],
      [Math.max(0, top), Math.max(0, needH - h - top)],
      [Math.max(0, left), Math.max(0, needW - w - left)],
      [0, 0],
    ];
    const p = extra.some(([a, b]) => a > 0 || b > 0) ? tf.pad(t, extra, value) : t;
    return tf.slice(p, [0, Math.max(0, -top), Math.max(0, -left), 0], [n, needH, needW, c]);
  };
  const xp = padded(x, -Infinity);
  let dxp: tf.Tensor4D;
  if (kh === sh && kw === sw) {
    // Windows tile the (padded) input: one reshape exposes every window as its own axis.
    const win = tf.transpose(tf.reshape(xp, [n, ho, kh, wo, kw, c]), [0, 1, 3, 5, 2, 4]); // n, ho, wo, c, kh, kw
    const flat = tf.reshape(win, [n, ho, wo, c, kh * kw]);
    const isMax = tf.cast(tf.equal(flat, tf.reshape(y, [n, ho, wo, c, 1])), 'float32');
    const first = tf.mul(isMax, tf.cast(tf.equal(tf.cumsum(isMax, 4), 1), 'float32'));
    const grads = tf.mul(first, tf.reshape(dy, [n, ho, wo, c, 1]));
    dxp = tf.reshape(tf.transpose(tf.reshape(grads, [n, ho, wo, c, kh, kw]), [0, 1, 4, 2, 5, 3]), [n, ho * kh, wo * kw, c]);
  } else {
    let taken = tf.zeros([n, ho, wo, c]);
    dxp = tf.zeros([n, needH, needW, c]);
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const xs = tf.stridedSlice(xp, [0, a, b, 0], [n, a + (ho - 1) * sh + 1, b + (wo - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D;
        const hit = tf.mul(tf.cast(tf.equal(xs, y), 'float32'), tf.sub(1, taken));
        taken = tf.add(taken, hit);
        const contribution = dilateSpatial(tf.mul(hit, dy) as tf.Tensor4D, sh, sw);
        dxp = tf.add(dxp, padOrCrop(padOrCrop(contribution, 1, a, needH), 2, b, needW));
      }
    }
  }
  // Back to the input's frame: drop the padding, restore rows and columns no window read.
  return padOrCrop(padOrCrop(dxp, 1, -top, h), 2, -left, w);
}

/** Source row (or column) of each output position, as tfjs's ResizeNearestNeighbor computes it. */
export function nearestSourceIndex(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number[] {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  return Array.from({ length: outSize }, (_, r) => {
    const frac = halfPixelCenters ? ratio * (r + 0.5) : ratio * r;
    let src = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) src = Math.max(0, src);
    return src;
  });
}

/** ResizeNearestNeighborGrad: each output gradient goes back to its source pixel. */
export function resizeNearestGradient(images: tf.Tensor4D, dy: tf.Tensor4D, alignCorners: boolean, halfPixelCenters: boolean): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const rows = nearestSourceIndex(h, oh, alignCorners, halfPixelCenters);
  const cols = nearestSourceIndex(w, ow, alignCorners, halfPixelCenters);
  const sh = oh / h;
  const sw = ow / w;
  if (
    Number.isInteger(sh) &&
    Number.isInteger(sw) &&
    rows.every((s, r) => s === Math.floor(r / sh)) &&
    cols.every((s, q) => s === Math.floor(q / sw))
  ) {
    // Integer upsampling (YOLOv5's Upsample): each input pixel owns an sh × sw block.
    return tf.sum(tf.reshape(dy, [n, h, sh, w, sw, c]), [2, 4]);
  }
  // General case: one-hot source matrices, dx = Rᵀ · dy · C per image and channel.
  const oneHot = (src: number[], size: number): tf.Tensor2D => tf.oneHot(tf.tensor1d(src, 'int32'), size).toFloat() as tf.Tensor2D;
  const colMap = oneHot(cols, w); // [ow, w]
  const rowMap = oneHot(rows, h); // [oh, h]
  const byCol = tf.matMul(tf.reshape(tf.transpose(dy, [0, 3, 1, 2]), [n * c * oh, ow]), colMap); // [n*c*oh, w]
  const byRow = tf.matMul(tf.reshape(tf.transpose(tf.reshape(byCol, [n * c, oh, w]), [0, 2, 1]), [n * c * w, oh]), rowMap); // [n*c*w, h]
  return tf.transpose(tf.reshape(byRow, [n, c, w, h]), [0, 3, 2, 1]);
}
