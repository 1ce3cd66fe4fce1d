// Registers the training kernels a backend lacks (wasm has no Conv2DBackpropFilter and no depthwise
// backprop, and any backend may lack MaxPoolGrad), built from forward ops it does have, and replaces
// wasm kernels that are slow (Conv2DBackpropInput, MaxPoolGrad) or wrong (MaxPoolGrad,
// ResizeNearestNeighborGrad; the cpu backend's ResizeNearestNeighborGrad is wrong too).
// Kernels are registered per backend, so the gradient graph stays stock and backends with correct
// native kernels (cpu, webgpu, tfjs-node) are untouched.
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGradient, conv2dInputGradient, depthwiseFilterGradient, depthwiseInputGradient } from './convGradients';
import { wrap } from './kernelTensors';
import { maxPoolGradient, resizeNearestGradient } from './poolGradients';
import { conv2dFilterGradientWasm, conv2dInputGradientWasm, maxPoolGradientWasm } from './wasmConvKernels';
import { matMulUntransposed, reduceLeadingWasm, tileWasm } from './wasmDataKernels';
import { isWasmBackend } from './wasmHeap';

type Attrs<T> = T & tf.NamedAttrMap;

interface Replacement {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
}

const replacements: Replacement[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.Conv2DBackpropFilterAttrs>;
        return conv2dFilterGradient(
          wrap(inputs.x!) as tf.Tensor4D,
          wrap(inputs.dy!) as tf.Tensor4D,
          a.filterShape,
          a.strides,
          a.pad,
          a.dataFormat,
          a.dimRoundingMode,
        );
      }),
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.Conv2DBackpropInputAttrs>;
        return conv2dInputGradient(
          a.inputShape,
          wrap(inputs.dy!) as tf.Tensor4D,
          wrap(inputs.filter!) as tf.Tensor4D,
          a.strides,
          a.pad,
          a.dataFormat,
          a.dimRoundingMode,
        );
      }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.DepthwiseConv2dNativeBackpropFilterAttrs>;
        return depthwiseFilterGradient(
          wrap(inputs.x!) as tf.Tensor4D,
          wrap(inputs.dy!) as tf.Tensor4D,
          a.filterShape,
          a.strides,
          a.dilations,
          a.pad,
          a.dimRoundingMode,
        );
      }),
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.DepthwiseConv2dNativeBackpropInputAttrs>;
        return depthwiseInputGradient(
          a.inputShape,
          wrap(inputs.dy!) as tf.Tensor4D,
          wrap(inputs.filter!) as tf.Tensor4D,
          a.strides,
          a.dilations,
          a.pad,
          a.dimRoundingMode,
        );
      }),
  },
  {
    kernelName: tf.MaxPoolGrad,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.MaxPoolGradAttrs>;
        return maxPoolGradient(
          wrap(inputs.dy!) as tf.Tensor4D,
          wrap(inputs.input!) as tf.Tensor4D,
          wrap(inputs.output!) as tf.Tensor4D,
          a.filterSize,
          a.strides,
          a.pad,
          a.dimRoundingMode,
        );
      }),
  },
  {
    kernelName: tf.ResizeNearestNeighborGrad,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.ResizeNearestNeighborGradAttrs>;
        return resizeNearestGradient(
          wrap(inputs.images!) as tf.Tensor4D,
          wrap(inputs.dy!) as tf.Tensor4D,
          a.alignCorners,
          a.halfPixelCenters,
        );
      }),
  },
];

/**
 * Faster implementations for one backend, used instead of the generic ones above (and instead of
 * the backend's own kernel where it has one). wasm: XNNPACK for the arithmetic, loops over the wasm
 * heap for the data movement (wasmConvKernels.ts). Its stock MaxPoolGrad is also wrong: it starts
 * each window's maximum at 0, so windows whose maximum is negative got no gradient.
 */
const SPECIFIC: Record<string, Record<string, tf.KernelFunc>> = {
  wasm: {
    [tf.Conv2DBackpropFilter]: ({ inputs, attrs, backend }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.Conv2DBackpropFilterAttrs>;
        const x = wrap(inputs.x!) as tf.Tensor4D;
        const dy = wrap(inputs.dy!) as tf.Tensor4D;
        if (a.dataFormat === 'NCHW' || !isWasmBackend(backend)) {
          return conv2dFilterGradient(x, dy, a.filterShape, a.strides, a.pad, a.dataFormat, a.dimRoundingMode);
        }
        return conv2dFilterGradientWasm(backend, x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
      }),
    [tf.Conv2DBackpropInput]: ({ inputs, attrs, backend }) =>
      tf.tidy(() => {
        const a = attrs as Attrs<tf.Conv2DBackpropInputAttrs>;
        const dy = wrap(inputs.dy!) as tf.Tensor4D;
        const filter = wrap(inputs.filter!) as tf.Tensor4D;
        const fast =
          a.dataFormat !== 'NCHW' && isWasmBackend(backend)
            ? conv2dInputGradientWasm(backend, a.inputShape, dy, filter, a.strides, a.pad, a.dimRoundingMode)
            : undefined;
        return fast ?? conv2dInputGradient(a.inputShape, dy, filter, a.strides, a.pad, a.dataFormat, a.dimRoundingMode);
      }),
    [tf.MaxPoolGrad]: ({ inputs, attrs, backend }) => {
      const a = attrs as Attrs<tf.MaxPoolGradAttrs>;
      if (!isWasmBackend(backend)) throw new Error('MaxPoolGrad: the wasm kernel got another backend');
      return maxPoolGradientWasm(backend, inputs.dy!, inputs.input!, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
    },
  },
};

/** Kernels replaced even when the backend has its own: faster (measured) or correct where the stock one is not. */
const REPLACE_ON: Record<string, string[]> = {
  // The stock wasm Conv2DBackpropInput was over half of a fine-tuning step, its MaxPoolGrad is
  // wrong for negative windows and slow, its ResizeNearestNeighborGrad is wrong.
  wasm: [tf.Conv2DBackpropInput, tf.MaxPoolGrad, tf.ResizeNearestNeighborGrad],
  // tfjs-backend-cpu's ResizeNearestNeighborGrad is wrong too (e.g. 7×7 → 14×14).
  cpu: [tf.ResizeNearestNeighborGrad],
};

/**
 * Stock kernels kept for the general case but wrapped with a faster path for the cases training
 * hits (wasmDataKernels.ts): each wrapper returns the stock kernel's result when its fast path does not apply.
 */
const WRAP_ON: Record<string, Record<string, (stock: tf.KernelFunc) => tf.KernelFunc>> = {
  wasm: {
    // The engine clones every tensor it saves for backprop (tf.clone → Identity), and the stock wasm
    // Identity copies the data: 37 copies per step of the reference CNN. Tensors are immutable, so
    // a clone can share the data (reference-counted, as wasm's Reshape and cpu's Identity do).
    [tf.Identity]: (stock) => (args) => {
      const {
        backend,
        inputs: { x },
      } = args;
      if (x!.dtype === 'string' || !isWasmBackend(backend)) return stock(args);
      backend.incRef(x!.dataId);
      return { dataId: x!.dataId, shape: x!.shape, dtype: x!.dtype };
    },
    [tf.Tile]: (stock) => (args) => {
      const backend = args.backend;
      return (
        (isWasmBackend(backend) ? tileWasm(backend, args.inputs.x!, (args.attrs as Attrs<tf.TileAttrs>).reps) : undefined) ?? stock(args)
      );
    },
    [tf.Sum]: (stock) => (args) => {
      const a = args.attrs as Attrs<tf.SumAttrs>;
      const backend = args.backend;
      return (isWasmBackend(backend) ? reduceLeadingWasm(backend, args.inputs.x!, a.axis, a.keepDims, false) : undefined) ?? stock(args);
    },
    [tf.Mean]: (stock) => (args) => {
      const a = args.attrs as Attrs<tf.MeanAttrs>;
      const backend = args.backend;
      return (isWasmBackend(backend) ? reduceLeadingWasm(backend, args.inputs.x!, a.axis, a.keepDims, true) : undefined) ?? stock(args);
    },
    [tf.BatchMatMul]: (stock) => (args) => {
      const a = args.attrs as Attrs<tf.BatchMatMulAttrs>;
      return tf.tidy(() => matMulUntransposed(wrap(args.inputs.a!), wrap(args.inputs.b!), a.transposeA, a.transposeB)) ?? stock(args);
    },
  },
};

const ours = new WeakSet<tf.KernelFunc>([
  ...replacements.map((r) => r.kernelFunc),
  ...Object.values(SPECIFIC).flatMap((m) => Object.values(m)),
]);

/**
 * Registers the missing (and known slow or wrong) backprop kernels for `backendName`.
 * Returns the names of the kernels registered. Idempotent.
 */
export function registerTrainingKernels(backendName: string): string[] {
  const done: string[] = [];
  for (const r of replacements) {
    const kernelFunc = SPECIFIC[backendName]?.[r.kernelName] ?? r.kernelFunc;
    const existing = tf.getKernel(r.kernelName, backendName);
    if (existing) {
      if (ours.has(existing.kernelFunc) || !REPLACE_ON[backendName]?.includes(r.kernelName)) continue;
      tf.unregisterKernel(r.kernelName, backendName);
    }
    tf.registerKernel({ kernelName: r.kernelName, backendName, kernelFunc });
    done.push(r.kernelName);
  }
  for (const [kernelName, wrapStock] of Object.entries(WRAP_ON[backendName] ?? {})) {
    const stock = tf.getKernel(kernelName, backendName);
    if (!stock || ours.has(stock.kernelFunc)) continue;
    const kernelFunc = wrapStock(stock.kernelFunc);
    ours.add(kernelFunc);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...stock, kernelFunc });
    done.push(kernelName);
  }
  return done;
}
