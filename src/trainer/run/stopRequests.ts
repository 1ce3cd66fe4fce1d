// SIGINT/SIGTERM to a training process (the built-in trainer or the YOLOv5 adapter): the first one
// asks the run to stop cleanly, and later ones are counted so that an adapter can insist with its
// child (`forward`). Listening from the start means a signal before training begins also stops it.
// With `stopWithParent`, the end of the starting process (see parentWatch.ts) is one more such
// request, handled as a SIGTERM sent to this process alone.
import { watchParentPipe } from './parentWatch';

export class StopRequests {
  /** The first signal received; the run checks it between phases and batches. */
  requested?: NodeJS.Signals;
  private count = 0;
  /** Set while a child trainer runs: passes each request on to it, with how many came so far. */
  forward?: (sig: NodeJS.Signals, count: number) => void;
  // Node passes signal listeners the signal's number too: `why` is a separate entry point.
  private readonly handler = (sig: NodeJS.Signals): void => this.request(sig, `${sig} received`);
  private readonly unwatchParent?: () => void;

  private request(sig: NodeJS.Signals, why: string): void {
    this.count++;
    if (!this.requested) {
      this.requested = sig;
      this.onFirst(why);
    }
    this.forward?.(sig, this.count);
  }

  /** `onFirst` gets why the run stops ("SIGTERM received", "the process that started this run … is gone"). */
  constructor(
    private readonly onFirst: (why: string) => void,
    options: { stopWithParent?: boolean } = {},
  ) {
    if (options.stopWithParent) this.unwatchParent = watchParentPipe((why) => this.request('SIGTERM', why));
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    this.unwatchParent?.();
  }
}
