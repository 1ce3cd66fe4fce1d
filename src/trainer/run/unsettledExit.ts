// A safety net under every run's end: Node exits (code 0) as soon as nothing keeps its event loop
// alive, even while a promise the run is waiting on can never settle (a handle let go too early).
// The run would then stay `running` in run.json with no process behind it. `beforeExit` fires just
// then; while the run has not settled, its handler records the run as failed instead.

/** What run.json and the user read when that happens. */
export const UNSETTLED_EXIT_MESSAGE =
  'the trainer was about to exit while the run was still in progress (nothing left to wait for: a bug in ' +
  'the trainer, please report it with train.log); epochs already finished and weights/last are kept: ' +
  'resume the run with --resume';

/** Until the returned function is called, an exit on an empty event loop calls `fail` (which records
 *  the failure and returns the exit code) and exits with that code. */
export function failOnUnsettledExit(fail: (err: Error) => number): () => void {
  const onBeforeExit = (): void => {
    process.off('beforeExit', onBeforeExit);
    process.exitCode = fail(new Error(UNSETTLED_EXIT_MESSAGE));
  };
  process.on('beforeExit', onBeforeExit);
  return () => process.off('beforeExit', onBeforeExit);
}
