// A trainer progress event as one line of a run's log. Pure.
import type { ProgressEvent } from '../../shared/runFolder/contract';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function describeEvent(e: ProgressEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return `started on ${e.engine} (${e.device}): ${e.epochs} epochs, ${e.trainableParams.toLocaleString('en-US')} of ${e.totalParams.toLocaleString('en-US')} parameters trainable`;
    case 'batch':
      return `epoch ${e.epoch} batch ${e.batch}/${e.batches} loss ${e.loss.toFixed(4)}`;
    case 'epoch': {
      const m = e.metrics;
      return (
        `epoch ${m.epoch}: train/loss ${m['train/loss'].toFixed(4)}, val/loss ${m['val/loss'].toFixed(4)}, ` +
        `val/accuracy ${pct(m['val/accuracy'])}, ${m.epoch_seconds.toFixed(1)} s, ${Math.round(m.images_per_second)} img/s`
      );
    }
    case 'log':
      return e.message;
    case 'end':
      return `ended: ${e.status}${e.error ? ` — ${e.error}` : ''}`;
    default:
      return undefined;
  }
}
