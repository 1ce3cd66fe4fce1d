// "The file is not there (yet)" is an answer for many reads: a train.log before the trainer's first
// line, an optional folder, a candidate path. Any other failure (permission denied, a folder where
// a file should be, a failing disk) is not, and must reach the user instead of reading as
// "absent". These helpers swallow exactly ENOENT and let everything else through.

/** Whether `e` is a file-system error saying the path does not exist. */
export function isMissing(e: unknown): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** `p`'s value, or `fallback` when the path it reads does not exist; every other failure rejects. */
export async function unlessMissing<T, F>(p: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await p;
  } catch (e) {
    if (isMissing(e)) return fallback;
    throw e;
  }
}
