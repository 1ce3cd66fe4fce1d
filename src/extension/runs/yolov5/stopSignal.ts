// How a run is asked to stop, and what counts as its checkpoint, by the program that trains it.
// Transfer Lab's trainer checkpoints on SIGTERM and writes weights/last/model.json; YOLOv5 stops on
// SIGINT (Ctrl+C: KeyboardInterrupt) and has written weights/last.pt at the end of each epoch. A
// YOLOv5 run's group holds the adapter, train.py and its dataloader workers: SIGINT reaches all, as
// Ctrl+C in a terminal does. Pure: unit-tested.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunRecord } from '../../../shared/runFolder/contract';

export function firstStopSignal(record: Pick<RunRecord, 'trainer'>): NodeJS.Signals {
  return record.trainer === 'yolov5' ? 'SIGINT' : 'SIGTERM';
}

/** weights/last.pt of a YOLOv5 run (what `train.py --resume` continues from). */
export async function hasYolov5Checkpoint(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'weights', 'last.pt')).then(
    (s) => s.isFile(),
    () => false,
  );
}
