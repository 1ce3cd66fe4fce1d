import type { DataSpec } from '../../shared/experiment/types';
import { memorySources } from './arraySource';
import { DataError, DataSources } from './dataset';
import { openImageFolder, StreamSettings } from './imageFolder';
import { loadMnist } from './mnist';

/** Channels a data source produces: MNIST is grey; image folders are RGB unless the model wants grey. */
export function dataChannels(spec: DataSpec, modelChannels?: number): 1 | 3 {
  if (spec.source === 'mnist') return 1;
  return modelChannels === 1 ? 1 : 3;
}

/** The experiment's data as sources: MNIST in memory, an image folder streamed from disk. */
export function loadDataset(spec: DataSpec, imgsz: number, seed: number, stream: StreamSettings, modelChannels?: number): DataSources {
  if (spec.source === 'external') {
    throw new DataError(
      `this experiment has no data: section: its data is read by the ${spec.section} trainer (\`trainer: ${spec.section}\`), not by Transfer Lab's own trainer`,
    );
  }
  return spec.source === 'mnist'
    ? memorySources(loadMnist(spec, imgsz, seed))
    : openImageFolder(spec, imgsz, dataChannels(spec, modelChannels), seed, stream);
}
