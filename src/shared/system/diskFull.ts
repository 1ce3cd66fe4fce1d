// A full disk (or an exhausted quota) is not a bug in the trainer: it is named for what it is, with
// the file the trainer was writing, so the run's record and the user both read "disk full at …".
import { UserError } from '../userError';

export class DiskFullError extends UserError {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`disk full at ${file} (${code}: ${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device'})`);
    this.name = 'DiskFullError';
  }
}

/** ENOSPC or EDQUOT, raw or already wrapped. */
export function isDiskFull(err: unknown): boolean {
  if (err instanceof DiskFullError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** `err` as a DiskFullError naming `file` when the disk was full; any other error as it is. */
export function diskFullAt(err: unknown, file: string): unknown {
  if (err instanceof DiskFullError || !isDiskFull(err)) return err;
  return new DiskFullError(file, (err as NodeJS.ErrnoException).code!);
}
