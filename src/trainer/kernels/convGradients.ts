// Convolution gradients expressed as forward convolutions, so a backend that has a fast forward
// conv (wasm: XNNPACK) but lacks or has a slow backprop kernel can train. Identities, per spatial axis
// with stride s, dilation d, filter size k, top padding p:
//   filter gradient  dW[a] = sum_i x[a*d + i*s - p] * dy[i]      -> conv of x^T (batch<->channels)
//                                                                    with dy^T as filter, dilation s
//   input gradient   dx[h] = sum_a dyd[h + p - a*d] * W[a]        -> conv of the zero-dilated dy with
//                                                                    the flipped filter, dilation d
import * as tf from '@tensorflow/tfjs';
import { dilateSpatial, padOrCrop } from './kernelTensors';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Pair = number | [number, number];

function nhwc(x: tf.Tensor4D, dataFormat: 'NHWC' | 'NCHW'): tf.Tensor4D {
  return dataFormat === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x;
}

/** Conv2DBackpropFilter: the filter gradient of a dilation-1 conv (tfjs has no gradient for dilated conv2d). */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: Pair,
  pad: Pad,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  rounding?: Rounding,
): tf.Tensor4D {
  const xs = nhwc(x, dataFormat);
  const dys = nhwc(dy, dataFormat);
  const info = tf.backend_util.computeConv2DInfo(xs.shape, filterShape, strides, 1, pad, rounding);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  let xp = padOrCrop(xs, 1, info.padInfo.top, kh + (ho - 1) * sh);
  xp = padOrCrop(xp, 2, info.padInfo.left, kw + (wo - 1) * sw);
  const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H, W, N]: channels become the batch
  const dyT = tf.transpose(dys, [1, 2, 0, 3]); // [Ho, Wo, N, Co]: dy becomes the filter
  const out = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, kh, kw, Co]
  return tf.transpose(out, [1, 2, 0, 3]);
}

/** Conv2DBackpropInput as a forward conv of the zero-dilated output gradient with the flipped filter. */
export function conv2dInputGradient(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: Pair,
  pad: Pad,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  rounding?: Rounding,
): tf.Tensor4D {
  const inNhwc: [number, number, number, number] =
    dataFormat === 'NCHW' ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape;
  const dys = nhwc(dy, dataFormat);
  const info = tf.backend_util.computeConv2DInfo(inNhwc, filter.shape, strides, 1, pad, rounding);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  const dyd = dilateSpatial(dys, sh, sw);
  let dyp = padOrCrop(dyd, 1, kh - 1 - info.padInfo.top, h + kh - 1);
  dyp = padOrCrop(dyp, 2, kw - 1 - info.padInfo.left, w + kw - 1);
  const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [kh, kw, Co, Ci]
  const dx = tf.conv2d(dyp, flipped, 1, 'valid', 'NHWC');
  return dataFormat === 'NCHW' ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
}

/** DepthwiseConv2dNativeBackpropFilter: a depthwise conv over (batch, channel) pairs, summed over the batch. */
export function depthwiseFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, rounding, true);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const [n, , , c] = x.shape;
  const m = filterShape[3];
  let xp = padOrCrop(x, 1, info.padInfo.top, (kh - 1) * dh + (ho - 1) * sh + 1);
  xp = padOrCrop(xp, 2, info.padInfo.left, (kw - 1) * dw + (wo - 1) * sw + 1);
  const [, hp, wp] = xp.shape;
  // One image whose channels are the (batch, channel) pairs; dy supplies one filter per pair.
  const x2 = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, hp, wp, n * c]) as tf.Tensor4D;
  const f2 = tf.reshape(tf.transpose(tf.reshape(dy, [n, ho, wo, c, m]), [1, 2, 0, 3, 4]), [ho, wo, n * c, m]) as tf.Tensor4D;
  const out = tf.depthwiseConv2d(x2, f2, [dh, dw], 'valid', 'NHWC', [sh, sw]); // [1, kh, kw, n*c*m]
  return tf.sum(tf.reshape(out, [kh, kw, n, c, m]), 2);
}

/** DepthwiseConv2dNativeBackpropInput: a depthwise conv of the zero-dilated dy with the flipped filter. */
export function depthwiseInputGradient(
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: Pair,
  dilations: Pair,
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, rounding, true);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  const [n, , , c] = inputShape;
  const m = filter.shape[3];
  const dyd = dilateSpatial(dy, sh, sw);
  let dyp = padOrCrop(dyd, 1, (kh - 1) * dh - info.padInfo.top, h + (kh - 1) * dh);
  dyp = padOrCrop(dyp, 2, (kw - 1) * dw - info.padInfo.left, w + (kw - 1) * dw);
  const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
  const out = tf.depthwiseConv2d(dyp, flipped, 1, 'valid', 'NHWC', [dh, dw]); // [n, h, w, c*m]
  return tf.sum(tf.reshape(out, [n, h, w, c, m]), 4);
}
