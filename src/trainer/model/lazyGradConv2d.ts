// Conv2D with the fused forward pass (convolution, bias and ReLU in one kernel) and a backward pass
// that computes only the gradients that are needed. Stock tfjs-layers runs Conv2D through
// tf.fused.conv2d, which under a gradient tape falls back to three kernels (conv, add, relu, each a
// pass over the activations) and whose gradient always computes both the input and the filter
// gradient: the first layer's input gradient (the costliest, at full resolution) and the gradient
// into a frozen prefix are computed and thrown away. Here the layer calls the backend's FusedConv2D
// kernel directly, and the gradient registered for that kernel returns one thunk per input: tfjs
// calls only those on a path to a trainable variable. Registered under the stock class name so saved
// models load with it; same weights, same results.
import * as tf from '@tensorflow/tfjs';
import { reluGradWasm } from '../kernels/trainingKernelsWasm';
import { isWasmBackend } from '../kernels/wasmHeap';

type Conv2DLayer = ReturnType<typeof tf.layers.conv2d>;
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

/** The fields of tfjs-layers' Conv base class this override reads. */
interface ConvInternals {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  strides: [number, number];
  padding: 'same' | 'valid' | 'causal';
  dataFormat: 'channelsFirst' | 'channelsLast';
  dilationRate: [number, number];
  activation: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string } | null;
}

/** Activations fused into the kernel whose derivative the gradient below computes from the output. */
const FUSED = new Set(['linear', 'relu']);

const StockConv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (
  args: ConvArgs,
) => Conv2DLayer;

export class LazyGradConv2D extends StockConv2D {
  static className = 'Conv2D';

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as ConvInternals;
    if (self.dataFormat !== 'channelsLast' || self.padding === 'causal' || self.dilationRate.some((d) => d !== 1))
      return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const name = self.activation?.getClassName() ?? 'linear';
      const fused = FUSED.has(name);
      const attrs = {
        strides: self.strides,
        pad: self.padding,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        activation: fused ? name : 'linear',
        leakyreluAlpha: 0,
      };
      const conv: tf.NamedTensorMap = { x, filter: self.kernel.read() };
      if (self.bias) conv.bias = self.bias.read();
      const y = tf.engine().runKernel(tf.FusedConv2D, conv, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      return fused || !self.activation ? y : self.activation.apply(y);
    });
  }
}

/**
 * The gradient of FusedConv2D (NHWC, dilation 1, linear or ReLU activation), one thunk per input.
 * Only this layer runs the kernel under a gradient tape: tf.fused.conv2d records its own custom
 * gradient there and runs the kernel untaped.
 */
function registerFusedConv2DGradient(): void {
  if (tf.getGradient(tf.FusedConv2D)) return;
  tf.registerGradient({
    kernelName: tf.FusedConv2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as tf.FusedConv2DAttrs;
      if (a.dataFormat !== 'NHWC' || !FUSED.has(a.activation ?? 'linear')) {
        throw new Error(
          `FusedConv2D gradient: ${a.dataFormat} with activation ${a.activation} is not supported (Transfer Lab's conv layer never records it)`,
        );
      }
      // ReLU passes the gradient where its output is positive (where its input was).
      const backend = tf.backend();
      const g = (
        a.activation !== 'relu'
          ? dy
          : isWasmBackend(backend) && (dy as tf.Tensor).dtype === 'float32'
            ? reluGradWasm(backend, dy as tf.Tensor, y)
            : tf.mul(dy as tf.Tensor, tf.step(y))
      ) as tf.Tensor4D;
      const conv = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode } as const;
      return {
        x: () =>
          tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, {
            ...conv,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, {
            ...conv,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

let registered = false;

export function registerLazyGradConv2D(): void {
  if (registered) return;
  tf.serialization.registerClass(LazyGradConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  registerFusedConv2DGradient();
  registered = true;
}

export function conv2d(args: ConvArgs): Conv2DLayer {
  registerLazyGradConv2D();
  return new LazyGradConv2D(args);
}
