// Registers the training kernels a backend lacks (wasm has no Conv2DBackpropFilter and no depthwise
// backprop, and any backend may lack MaxPoolGrad), built from forward ops it does have, and replaces
// or wraps wasm kernels that are slow (Conv2DBackpropInput) or wrong (MaxPoolGrad,
// ResizeNearestNeighborGrad; the cpu backend's ResizeNearestNeighborGrad is wrong too).
// Kernels are registered per backend, so the gradient graph stays stock and backends with correct
// native kernels (cpu, webgpu, tfjs-node) are untouched.
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGradient, conv2dInputGradient, depthwiseFilterGradient, depthwiseInputGradient } from './convGradients';
import { wrap } from './kernelTensors';
import { maxPoolGradient, resizeNearestGradient } from './poolGradients';

type Attrs<T> = T & tf.NamedAttrMap;

interface Replacement {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
}

const replacements: Replacement[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.Conv2DBackpropFilterAttrs>;
      return conv2dFilterGradient(wrap(inputs.x!) as tf.Tensor4D, wrap(inputs.dy!) as tf.Tensor4D,
        a.filterShape, a.strides, a.pad, a.dataFormat, a.dimRoundingMode);
    }),
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.Conv2DBackpropInputAttrs>;
      return conv2dInputGradient(a.inputShape, wrap(inputs.dy!) as tf.Tensor4D, wrap(inputs.filter!) as tf.Tensor4D,
        a.strides, a.pad, a.dataFormat, a.dimRoundingMode);
    }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.DepthwiseConv2dNativeBackpropFilterAttrs>;
      return depthwiseFilterGradient(wrap(inputs.x!) as tf.Tensor4D, wrap(inputs.dy!) as tf.Tensor4D,
        a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
    }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.DepthwiseConv2dNativeBackpropInputAttrs>;
      return depthwiseInputGradient(a.inputShape, wrap(inputs.dy!) as tf.Tensor4D, wrap(inputs.filter!) as tf.Tensor4D,
        a.strides, a.dilations, a.pad, a.dimRoundingMode);
    }),
  },
  {
    kernelName: tf.MaxPoolGrad,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.MaxPoolGradAttrs>;
      return maxPoolGradient(wrap(inputs.dy!) as tf.Tensor4D, wrap(inputs.input!) as tf.Tensor4D, wrap(inputs.output!) as tf.Tensor4D,
        a.filterSize, a.strides, a.pad, a.dimRoundingMode);
    }),
  },
  {
    kernelName: tf.ResizeNearestNeighborGrad,
    kernelFunc: ({ inputs, attrs }) => tf.tidy(() => {
      const a = attrs as Attrs<tf.ResizeNearestNeighborGradAttrs>;
      return resizeNearestGradient(wrap(inputs.images!) as tf.Tensor4D, wrap(inputs.dy!) as tf.Tensor4D, a.alignCorners, a.halfPixelCenters);
    }),
  },
];

/** Kernels replaced even when the backend has its own: faster (measured) or correct where the stock one is not. */
const REPLACE_ON: Record<string, string[]> = {
  // The stock wasm Conv2DBackpropInput was over half of a fine-tuning step; ResizeNearestNeighborGrad is wrong.
  wasm: [tf.Conv2DBackpropInput, tf.ResizeNearestNeighborGrad],
  // tfjs-backend-cpu's ResizeNearestNeighborGrad is wrong too (e.g. 7×7 → 14×14).
  cpu: [tf.ResizeNearestNeighborGrad],
};

/**
 * Stock kernels kept but wrapped. wasm's MaxPoolGrad starts each window's running maximum at 0, so
 * windows whose maximum is negative get no gradient; shifting input and output by 1 − min(x) makes
 * every value positive without changing any argmax, and the fast stock kernel is then exact.
 */
const WRAP_ON: Record<string, Record<string, (stock: tf.KernelFunc) => tf.KernelFunc>> = {
  wasm: {
    [tf.MaxPoolGrad]: (stock) => ({ inputs, backend, attrs }) => {
      const [input, output] = tf.tidy(() => {
        const shift = tf.sub(1, tf.min(wrap(inputs.input!)));
        return [tf.add(wrap(inputs.input!), shift), tf.add(wrap(inputs.output!), shift)];
      });
      try {
        return stock({ inputs: { dy: inputs.dy, input, output }, backend, attrs });
      } finally {
        tf.dispose([input, output]);
      }
    },
  },
};

const wrapped = new WeakSet<tf.KernelFunc>();

/**
 * Registers the missing (and known slow or wrong) backprop kernels for `backendName`.
 * Returns the names of the kernels registered. Idempotent.
 */
export function registerTrainingKernels(backendName: string): string[] {
  const done: string[] = [];
  for (const r of replacements) {
    const existing = tf.getKernel(r.kernelName, backendName);
    if (existing) {
      if (existing.kernelFunc === r.kernelFunc || !REPLACE_ON[backendName]?.includes(r.kernelName)) continue;
      tf.unregisterKernel(r.kernelName, backendName);
    }
    tf.registerKernel({ kernelName: r.kernelName, backendName, kernelFunc: r.kernelFunc });
    done.push(r.kernelName);
  }
  for (const [kernelName, wrap] of Object.entries(WRAP_ON[backendName] ?? {})) {
    const stock = tf.getKernel(kernelName, backendName);
    if (!stock || wrapped.has(stock.kernelFunc)) continue;
    const kernelFunc = wrap(stock.kernelFunc);
    wrapped.add(kernelFunc);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...stock, kernelFunc });
    done.push(kernelName);
  }
  return done;
}
