// What an engine's evaluation hands back per validation image, beside its loss and accuracy: the
// predicted class (the same argmax the accuracy counts), the model's probability for it and the
// cross-entropy of the true class (the loss the mean val/loss averages). Three numbers an image,
// taken from outputs the evaluation computes anyway.
import { readFileSync } from 'node:fs';

export interface ImageOutputs {
  predicted: Int32Array;
  probability: Float32Array;
  loss: Float32Array;
}

/** Collects an evaluation's batches, in validation-set order. */
export class ImageOutputsBuilder {
  private readonly out: ImageOutputs;
  private at = 0;

  constructor(count: number) {
    this.out = { predicted: new Int32Array(count), probability: new Float32Array(count), loss: new Float32Array(count) };
  }

  add(predicted: ArrayLike<number>, probability: ArrayLike<number>, loss: ArrayLike<number>): void {
    this.out.predicted.set(predicted, this.at);
    this.out.probability.set(probability, this.at);
    this.out.loss.set(loss, this.at);
    this.at += predicted.length;
  }

  result(): ImageOutputs {
    if (this.at !== this.out.predicted.length)
      throw new Error(`evaluation covered ${this.at} of ${this.out.predicted.length} validation images`);
    return this.out;
  }
}

/** The torch worker's file (eval_images.py): `count` predicted classes, then probabilities, then losses, float32. */
export function readImageOutputs(file: string, count: number): ImageOutputs {
  const buf = readFileSync(file);
  if (buf.length !== count * 12) throw new Error(`${file} holds ${buf.length} bytes, expected ${count * 12} for ${count} images`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return {
    predicted: Int32Array.from(all.subarray(0, count)),
    probability: all.slice(count, 2 * count),
    loss: all.slice(2 * count, 3 * count),
  };
}
