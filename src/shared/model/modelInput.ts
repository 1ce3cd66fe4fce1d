// What a model is built from (class count, channels, image size): apart from experimentModel.ts so
// that the YOLOv5 side (../yolov5/modelInput.ts), which experimentModel.ts calls, need not import it.
import type { FileDiagnostic } from '../experiment/types';
import type { LoadModelOptions } from './load';

export interface ModelInput extends LoadModelOptions {
  ch: number;
  imgsz: number;
  /** Warnings about how the input was found (a dataset YAML not read, an image size rounded). */
  notes: FileDiagnostic[];
}
