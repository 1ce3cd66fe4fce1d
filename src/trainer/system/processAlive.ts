// Whether a recorded pid still names a live process: how a resume or a sweep tells a run that is
// really running from one whose process died without updating run.json.

/** True when the process exists (EPERM: it does, but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
