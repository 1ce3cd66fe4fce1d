// A YOLOv5 checkout (the STAND-IN train.py of test/fixtures/yolov5-standin: a test double, since
// YOLOv5 needs PyTorch) with one dataset YAML, and a project beside it with a model YAML and a
// `trainer: yolov5` experiment — for the tests that compare what the view, `modules` and run.json count.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './trainerCli';

export const STANDIN = path.join(ROOT, 'test', 'fixtures', 'yolov5-standin');
export const UNIT_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');

/** Two classes, as the vendored YOLOv5's make_shapes.py writes them; the stand-in's epochs are quick. */
export const SHAPES_DATA =
  'path: ../datasets/shapes\ntrain: images/train\nval: images/val\nnc: 2\nnames: [square, disc]\nstandin_epoch_seconds: 0.05\nstandin_batches: 1\n';

export interface Yolov5Project {
  yolo: string;
  proj: string;
  experiment: string;
}

/** `model`: the model YAML's text (default the yolov5n fixture, nc 80); `yolov5`: lines of the yolov5: section. */
export function yolov5Project(root: string, o: { model?: string; data?: string; freeze?: string; yolov5?: string[] } = {}): Yolov5Project {
  const yolo = path.join(root, 'yolov5');
  const proj = path.join(root, 'proj');
  mkdirSync(path.join(yolo, 'data'), { recursive: true });
  mkdirSync(proj, { recursive: true });
  copyFileSync(path.join(STANDIN, 'train.py'), path.join(yolo, 'train.py'));
  writeFileSync(path.join(yolo, 'data', 'shapes.yaml'), o.data ?? SHAPES_DATA);
  if (o.model) writeFileSync(path.join(proj, 'model.yaml'), o.model);
  else copyFileSync(path.join(UNIT_FIXTURES, 'yolov5n.yaml'), path.join(proj, 'model.yaml'));
  const experiment = path.join(proj, 'det.experiment.yaml');
  const section = o.yolov5 ?? ['data: shapes.yaml', 'weights: yolov5n.pt', 'epochs: 1', 'img: 96'];
  writeFileSync(
    experiment,
    [
      'trainer: yolov5',
      'model: model.yaml',
      `freeze: ${o.freeze ?? '10'}`,
      'yolov5:',
      '  folder: ../yolov5',
      ...section.map((l) => `  ${l}`),
    ].join('\n') + '\n',
  );
  return { yolo, proj, experiment };
}
