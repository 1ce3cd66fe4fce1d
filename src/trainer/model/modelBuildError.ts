// The error for a model the built-in trainer cannot build in TensorFlow.js (a Detect head, grouped
// convolutions, a last layer that is not a classifier…). A UserError: the message names the module
// to change. Its own file because the graph builder, the module builders and prepareModel all throw it.
import { UserError } from '../../shared/userError';

/** A model the trainer cannot build, with the module to change. */
export class ModelBuildError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelBuildError';
  }
}
