// First in, first out, at most `max` running at a time. Pure bookkeeping: the manager launches what
// `take` hands out and calls `finished` when a process ends. Unit-tested.

export interface QueueEntry<T> {
  name: string;
  job: T;
}

export class RunQueue<T> {
  private readonly waiting: QueueEntry<T>[] = [];
  private readonly active = new Set<string>();

  enqueue(name: string, job: T): void {
    if (this.has(name)) throw new Error(`run ${name} is already queued or running`);
    this.waiting.push({ name, job });
  }

  /** Removes a waiting entry (stopped before it started); false when it was not waiting. */
  cancel(name: string): boolean {
    const i = this.waiting.findIndex((e) => e.name === name);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** Entries to start now so that no more than `max` run at once; they count as running. Entries
   *  that are not `ready` (waiting for another run) keep their place and let later ones pass. */
  take(max: number, ready: (e: QueueEntry<T>) => boolean = () => true): QueueEntry<T>[] {
    const limit = Math.max(1, Math.floor(max));
    const out: QueueEntry<T>[] = [];
    for (let i = 0; i < this.waiting.length && this.active.size < limit;) {
      const e = this.waiting[i];
      if (!ready(e)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.active.add(e.name);
      out.push(e);
    }
    return out;
  }

  jobOf(name: string): T | undefined {
    return this.waiting.find((e) => e.name === name)?.job;
  }

  /** A running entry ended (any outcome): its slot is free. */
  finished(name: string): void {
    this.active.delete(name);
  }

  /** Counts a process this queue did not start (re-attached after a reload) against the limit. */
  adopt(name: string): void {
    this.active.add(name);
  }

  has(name: string): boolean {
    return this.active.has(name) || this.waiting.some((e) => e.name === name);
  }

  isWaiting(name: string): boolean {
    return this.waiting.some((e) => e.name === name);
  }

  get runningCount(): number {
    return this.active.size;
  }

  get waitingNames(): string[] {
    return this.waiting.map((e) => e.name);
  }
}
