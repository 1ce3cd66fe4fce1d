// Whether a recorded pid still names a live process: how a resume, a sweep or the extension host
// tells a run that is really running from one whose process died without updating run.json, and
// how a stop knows a process group is gone. Used by the trainer and the host alike.

/** True when the process exists (a negative id: any member of that process group; EPERM: it does, but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
