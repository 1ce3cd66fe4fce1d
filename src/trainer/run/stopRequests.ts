// SIGINT/SIGTERM to a training process (the built-in trainer or the YOLOv5 adapter): the first one
// asks the run to stop cleanly, and later ones are counted so that an adapter can insist with its
// child (`forward`). Listening from the start means a signal before training begins also stops it.

export class StopRequests {
  /** The first signal received; the run checks it between phases and batches. */
  requested?: NodeJS.Signals;
  private count = 0;
  /** Set while a child trainer runs: passes each request on to it, with how many came so far. */
  forward?: (sig: NodeJS.Signals, count: number) => void;
  private readonly handler = (sig: NodeJS.Signals): void => {
    this.count++;
    if (!this.requested) {
      this.requested = sig;
      this.onFirst(sig);
    }
    this.forward?.(sig, this.count);
  };

  constructor(private readonly onFirst: (sig: NodeJS.Signals) => void) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
