// Conv2D whose backward pass computes only the gradients that are needed. tfjs-layers runs every
// Conv2D through tf.fused.conv2d, whose gradient always computes both the input and the filter
// gradient: the first layer's input gradient (the costliest, at full resolution) and the gradient
// into a frozen prefix are computed and thrown away. The plain tf.conv2d gradient is lazy, and
// tfjs prunes what no trainable variable needs. Registered under the stock class name so saved
// models load with it; same weights, same results.
import * as tf from '@tensorflow/tfjs';

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
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}

const StockConv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: ConvArgs) => Conv2DLayer;

export class LazyGradConv2D extends StockConv2D {
  static className = 'Conv2D';

  /**
   * Set for frozen layers that no gradient reaches (a frozen prefix): they keep the fused kernel,
   * whose forward pass is faster (bias and activation fused into the convolution).
   */
  fusedForward = false;

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as ConvInternals;
    if (this.fusedForward || self.dataFormat !== 'channelsLast' || self.padding === 'causal') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(x, self.kernel.read() as tf.Tensor4D, self.strides, self.padding as 'same' | 'valid', 'NHWC', self.dilationRate);
      if (self.bias) y = tf.add(y, self.bias.read());
      return self.activation ? self.activation.apply(y) : y;
    });
  }
}

let registered = false;

export function registerLazyGradConv2D(): void {
  if (registered) return;
  tf.serialization.registerClass(LazyGradConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  registered = true;
}

export function conv2d(args: ConvArgs): Conv2DLayer {
  registerLazyGradConv2D();
  return new LazyGradConv2D(args);
}
