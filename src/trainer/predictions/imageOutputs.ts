// What an engine's evaluation hands back per validation image, beside its loss and accuracy: the
// predicted class (the same argmax the accuracy counts), the model's probability for it and the
// cross-entropy of the true class (the loss the mean val/loss averages). Three numbers an image,
// taken from outputs the evaluation computes anyway.

export interface ImageOutputs {
  /** The validation samples evaluated, ascending (a sample the loader could not read is left out). */
  indices: Int32Array;
  predicted: Int32Array;
  probability: Float32Array;
  loss: Float32Array;
}

/** Collects an evaluation's batches, in validation-set order. */
export class ImageOutputsBuilder {
  private indices: number[] = [];
  private predicted: number[] = [];
  private probability: number[] = [];
  private loss: number[] = [];

  add(indices: ArrayLike<number>, predicted: ArrayLike<number>, probability: ArrayLike<number>, loss: ArrayLike<number>): void {
    if (predicted.length !== indices.length || probability.length !== indices.length || loss.length !== indices.length)
      throw new Error(
        `a batch of ${indices.length} images came back with ${predicted.length}/${probability.length}/${loss.length} outputs`,
      );
    for (let i = 0; i < indices.length; i++) {
      this.indices.push(indices[i]);
      this.predicted.push(predicted[i]);
      this.probability.push(probability[i]);
      this.loss.push(loss[i]);
    }
  }

  result(): ImageOutputs {
    return {
      indices: Int32Array.from(this.indices),
      predicted: Int32Array.from(this.predicted),
      probability: Float32Array.from(this.probability),
      loss: Float32Array.from(this.loss),
    };
  }
}
