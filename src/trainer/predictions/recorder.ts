// predictions/best.json after each new best epoch (beside weights/best, once it is saved) and
// predictions/last.json when the run ends, finished or stopped (the last epoch this process
// evaluated: the weights weights/last holds). Written atomically (a temporary renamed over the file),
// so a crash leaves the previous file whole; a write that fails is a warning, never the run's end.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { PREDICTIONS_DIR, PREDICTIONS_FILES, Predictions } from '../../shared/runFolder/predictions';
import { writeFileAtomic } from '../../shared/runFolder/writeRecord';
import { Dataset, imageSize } from '../data/dataset';
import { buildPredictions } from './buildPredictions';
import type { ImageOutputs } from './imageOutputs';
import { ThumbnailCache, ValImages } from './thumbnails';

export interface PredictionsSource {
  classes: string[];
  truth: ArrayLike<number>;
  files?: string[];
  images: ValImages;
  topLosses: number;
}

/** What the epoch loop tells the recorder (see epochLoop.ts). */
export interface EvaluatedEpochs {
  /** After an epoch's metrics and, when it improved, its weights/best. */
  evaluated(epoch: number, outputs: ImageOutputs | undefined, improved: boolean): void;
}

export class PredictionsRecorder implements EvaluatedEpochs {
  private latest?: { epoch: number; outputs: ImageOutputs };
  private readonly thumbnails: ThumbnailCache;

  constructor(
    private readonly runDir: string,
    private readonly source: PredictionsSource,
    private readonly log: (level: 'warn', msg: string) => void,
  ) {
    this.thumbnails = new ThumbnailCache(source.images);
  }

  evaluated(epoch: number, outputs: ImageOutputs | undefined, improved: boolean): void {
    if (!outputs) return; // an engine without per-image outputs
    this.latest = { epoch, outputs };
    if (improved) this.write('best', epoch, outputs);
  }

  /** The run ended: last.json for the last epoch evaluated here (none when it evaluated none: an
   *  earlier process's last.json, if any, still matches weights/last). */
  finish(): void {
    if (this.latest) this.write('last', this.latest.epoch, this.latest.outputs);
  }

  private write(weights: Predictions['weights'], epoch: number, outputs: ImageOutputs): void {
    const file = path.join(this.runDir, PREDICTIONS_DIR, PREDICTIONS_FILES[weights]);
    try {
      const { text } = buildPredictions({ ...this.source, epoch, weights, outputs, thumbnail: (i) => this.thumbnails.get(i) });
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, text);
    } catch (err) {
      this.log('warn', `${file} not written (the run goes on): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.thumbnails.settle();
    }
  }
}

/** The recorder for a dataset's validation split, with the model's input pixels as thumbnails. */
export function datasetPredictions(
  runDir: string,
  dataset: Pick<Dataset, 'classes' | 'imageShape' | 'val'>,
  topLosses: number,
  log: (level: 'warn', msg: string) => void,
): PredictionsRecorder {
  const { val, imageShape } = dataset;
  const size = imageSize(imageShape);
  const images: ValImages = { shape: imageShape, pixels: (i) => val.x.subarray(i * size, (i + 1) * size) };
  return new PredictionsRecorder(
    runDir,
    { classes: dataset.classes, truth: val.y, ...(val.files ? { files: val.files } : {}), images, topLosses },
    log,
  );
}
