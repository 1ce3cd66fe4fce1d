// What a run trained on, written into run.json (`data`) when it starts: the comparison summary
// compares only runs with the same data (src/shared/panel/comparability.ts), so two runs of one
// experiment file whose `data:` was edited in between are not compared as if alike. The text is
// canonical (defaults filled in) so that equal data gives equal text, and readable, because the
// panel shows it as the group's heading. Pure.
import type { DataSpec } from '../../shared/experiment/types';

/** The built-in trainer's default validation share (src/trainer/data/mnist.ts). */
const DEFAULT_VAL_FRACTION = 0.2;

/**
 * "mnist digits 5,6,7,8,9, 150 labels, 20% validation"; "folder /abs/data"; for data an external
 * trainer reads itself, `external` (that trainer records its own description instead).
 */
export function describeData(data: DataSpec): string {
  switch (data.source) {
    case 'mnist': {
      const labels = data.limit === undefined ? 'all labels' : `${data.limit} labels`;
      const val = +((data.valFraction ?? DEFAULT_VAL_FRACTION) * 100).toFixed(6);
      return `mnist digits ${data.classes.join(',')}, ${labels}, ${val}% validation`;
    }
    case 'folder':
      return `folder ${data.path}`;
    case 'external':
      return `external (${data.section})`;
  }
}

/** YOLOv5's data as train.py gets it (`--data`, resolved in the YOLOv5 folder). */
export function describeYolov5Data(dataArg: string | undefined): string {
  return `yolov5 --data ${dataArg ?? '(train.py default)'}`;
}
