// predictions/best.json after each new best epoch (beside weights/best, once it is saved) and
// predictions/last.json when the run ends, finished or stopped (the last epoch this process
// evaluated: the weights weights/last holds). Written atomically (a temporary renamed over the file),
// so a crash leaves the previous file whole; a write that fails is a warning, never the run's end.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { PREDICTIONS_DIR, PREDICTIONS_FILES, Predictions } from '../../shared/runFolder/predictions';
import { writeFileAtomic } from '../../shared/runFolder/writeRecord';
import type { DataSources } from '../data/dataset';
import { buildPredictions, PREDICTIONS_MAX_BYTES } from './buildPredictions';
import type { ImageOutputs } from './imageOutputs';
import { thumbnailOrder } from './summarize';
import { sourceImages, ThumbnailCache, ValImages } from './thumbnails';

export interface PredictionsSource {
  classes: string[];
  /** Every validation sample's label and (image folders) file, by sample index. */
  labels: ArrayLike<number>;
  files?: string[];
  images: ValImages;
  topLosses: number;
}

/** What the epoch loop tells the recorder (see epochLoop.ts). */
export interface EvaluatedEpochs {
  /** After an epoch's metrics and, when it improved, its weights/best. */
  evaluated(epoch: number, outputs: ImageOutputs | undefined, improved: boolean): Promise<void>;
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

  async evaluated(epoch: number, outputs: ImageOutputs | undefined, improved: boolean): Promise<void> {
    if (!outputs) return; // an engine without per-image outputs
    this.latest = { epoch, outputs };
    if (improved) await this.write('best', epoch, outputs);
  }

  /** The run ended: last.json for the last epoch evaluated here (none when it evaluated none: an
   *  earlier process's last.json, if any, still matches weights/last). */
  async finish(): Promise<void> {
    if (this.latest) await this.write('last', this.latest.epoch, this.latest.outputs);
  }

  /** The file lists the images evaluated (a sample the loader could not read has no prediction), in
   *  sample order: every run of a sweep reads the same images, so their lists line up. */
  private async write(weights: Predictions['weights'], epoch: number, outputs: ImageOutputs): Promise<void> {
    const file = path.join(this.runDir, PREDICTIONS_DIR, PREDICTIONS_FILES[weights]);
    const { indices } = outputs;
    try {
      const truth = Array.from(indices, (i) => this.source.labels[i]);
      const files = this.source.files ? Array.from(indices, (i) => this.source.files![i]) : undefined;
      const order = thumbnailOrder(outputs, truth, this.source.topLosses).map((at) => indices[at]);
      await this.thumbnails.fill(order, PREDICTIONS_MAX_BYTES);
      const { text } = buildPredictions({
        ...this.source,
        truth,
        ...(files ? { files } : {}),
        epoch,
        weights,
        outputs,
        thumbnail: (at) => this.thumbnails.get(indices[at]),
      });
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, text);
    } catch (err) {
      this.log('warn', `${file} not written (the run goes on): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.thumbnails.settle();
    }
  }
}

/** The recorder for a run's validation set, with the model's input pixels as thumbnails. */
export function datasetPredictions(
  runDir: string,
  dataset: Pick<DataSources, 'classes' | 'imageShape' | 'val' | 'valFiles'>,
  topLosses: number,
  log: (level: 'warn', msg: string) => void,
): PredictionsRecorder {
  const { val, imageShape, valFiles } = dataset;
  const images = sourceImages(val, imageShape);
  return new PredictionsRecorder(
    runDir,
    { classes: dataset.classes, labels: val.labels, ...(valFiles ? { files: valFiles } : {}), images, topLosses },
    log,
  );
}
