// Helpers for kernels written with TensorFlow.js ops instead of backend code: a kernel receives
// TensorInfos (data ids), wraps them as Tensors for the duration of a tidy, and returns a Tensor the
// engine adopts as the kernel's output.
import * as tf from '@tensorflow/tfjs';

/** A Tensor sharing the TensorInfo's data; the enclosing tidy disposes it without freeing the data. */
export function wrap(info: tf.TensorInfo): tf.Tensor {
  const engine = tf.engine();
  const t = engine.makeTensorFromTensorInfo(info);
  // Data is reference-counted by the backend; tracking a second Tensor does not count, so count it here.
  engine.backend.incRef(info.dataId);
  return t;
}

/** Pads (before > 0) or crops (before < 0) `axis` so that it starts at `-before` and has `length` entries. */
export function padOrCrop(x: tf.Tensor4D, axis: 1 | 2, before: number, length: number): tf.Tensor4D {
  let t = x;
  if (before > 0) {
    const pads: Array<[number, number]> = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    pads[axis] = [before, 0];
    t = tf.pad(t, pads);
  } else if (before < 0) {
    const begin = [0, 0, 0, 0];
    begin[axis] = -before;
    t = tf.slice(t, begin);
  }
  const have = t.shape[axis];
  if (have < length) {
    const pads: Array<[number, number]> = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    pads[axis] = [0, length - have];
    t = tf.pad(t, pads);
  } else if (have > length) {
    const size = [-1, -1, -1, -1];
    size[axis] = length;
    t = tf.slice(t, [0, 0, 0, 0], size);
  }
  return t;
}

/** Inserts `stride - 1` zeros between neighbouring rows and columns (the transpose of a strided read). */
export function dilateSpatial(x: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return x;
  const [n, h, w, c] = x.shape;
  const expanded = tf.reshape(x, [n, h, 1, w, 1, c]);
  const padded = tf.pad(expanded, [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * strideH, w * strideW, c]) as tf.Tensor4D;
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * strideH + 1, (w - 1) * strideW + 1, c]);
}
