import type { DataSpec } from '../../shared/experiment/types';
import { Dataset, DataError } from './dataset';
import { loadImageFolder } from './imageFolder';
import { loadMnist } from './mnist';

/** Channels a data source produces: MNIST is grey; image folders are RGB unless the model wants grey. */
export function dataChannels(spec: DataSpec, modelChannels?: number): 1 | 3 {
  if (spec.source === 'mnist') return 1;
  return modelChannels === 1 ? 1 : 3;
}

export function loadDataset(spec: DataSpec, imgsz: number, seed: number, modelChannels?: number): Dataset {
  if (spec.source === 'external') {
    throw new DataError(
      `this experiment has no data: section: its data is read by the ${spec.section} trainer (\`trainer: ${spec.section}\`), not by Transfer Lab's own trainer`,
    );
  }
  return spec.source === 'mnist' ? loadMnist(spec, imgsz, seed) : loadImageFolder(spec, imgsz, dataChannels(spec, modelChannels), seed);
}
