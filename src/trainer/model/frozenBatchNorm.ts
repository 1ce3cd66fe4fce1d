// Keras semantics for frozen batch norm: a BatchNormalization layer with trainable=false runs in
// inference mode (moving statistics, no updates) even while the model trains. tfjs-layers would use
// batch statistics and keep updating the moving averages of a frozen layer, so a frozen backbone
// would still drift and its outputs could not be cached. Registered under the stock class name so
// saved models load with the same behaviour.
import * as tf from '@tensorflow/tfjs';

type BatchNormalization = ReturnType<typeof tf.layers.batchNormalization>;
type BnArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Record<string, unknown>;

const StockBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (
  args?: BnArgs,
) => BatchNormalization;

export class FreezableBatchNormalization extends StockBatchNormalization {
  static className = 'BatchNormalization';
  /** Set once a freeze schedule has frozen the layer: unfrozen later, it trains its scale and shift
   *  but stays in inference mode (the Keras fine-tuning guide's advice), so its statistics from
   *  pretraining are not overwritten by small fine-tuning batches. */
  keepInference = false;

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return super.call(inputs, this.trainable && !this.keepInference ? kwargs : { ...kwargs, training: false });
  }
}

let registered = false;

/** Makes `BatchNormalization` in saved models deserialize to the freezable class. Idempotent. */
export function registerFreezableBatchNorm(): void {
  if (registered) return;
  tf.serialization.registerClass(
    FreezableBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
  registered = true;
}

export function batchNorm(args: BnArgs): BatchNormalization {
  registerFreezableBatchNorm();
  return new FreezableBatchNormalization(args);
}
