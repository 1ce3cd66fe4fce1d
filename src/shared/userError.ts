// Problems the user fixes in their own files or setup (a YAML typo, a missing dataset, a full disk):
// the message is all they need, so no stack goes into train.log. Every such error class extends this
// one and callers ask `instanceof UserError`, instead of keeping lists of class names that drift.
export class UserError extends Error {}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
