// The one error for a run folder the user has to act on: a run.json that is not a record, a run
// name that cannot be a folder, nothing to resume. A UserError, so only its message is shown.
import { UserError } from '../userError';

export class RunFolderError extends UserError {
  /** `file`, when given, is the file at fault and starts the message ("…/run.json: is not valid JSON"). */
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.name = 'RunFolderError';
  }
}
