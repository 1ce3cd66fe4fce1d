// What a `trainer: yolov5` experiment cannot ask for: YOLOv5's train.py takes one `--freeze` for the
// whole run and trains every unfrozen parameter at its hyp.yaml's rate with its own schedule (warm-up,
// then linear or `--cos-lr` decay to lrf). A freeze schedule, per-module rates or an LR schedule in the
// experiment would be silently ignored, so the parser refuses each at its line, saying what to use.
import { isObject } from '../experiment/parseContext';
import type { Obj, ParseContext } from '../experiment/parseContext';
import { TRAINER_KEY, YOLOV5_TRAINER } from './settings';

const NO_ALTERNATIVE = "or drop `trainer: yolov5` to train with Transfer Lab's own trainer, which supports it";

/** Reports, at their lines, the fine-tuning keys YOLOv5's train.py cannot honour. */
export function refuseYolov5FineTuning(ctx: ParseContext, root: Obj): void {
  if (root[TRAINER_KEY] !== YOLOV5_TRAINER) return;
  if (isObject(root.freeze))
    ctx.error(
      ['freeze'],
      `YOLOv5's train.py freezes one set of modules for the whole run (--freeze), so a freeze schedule cannot run with \`trainer: yolov5\`: write one value, e.g. \`freeze: 10\`, ${NO_ALTERNATIVE}`,
    );
  const t = root.train;
  if (!isObject(t)) return;
  if (Array.isArray(t.lr))
    ctx.error(
      ['train', 'lr'],
      `YOLOv5's train.py trains every unfrozen module at one learning rate (lr0 in its hyp YAML), so \`lr: [min, max]\` cannot run with \`trainer: yolov5\`: set lr0 in the YAML \`yolov5.hyp\` names, ${NO_ALTERNATIVE}`,
    );
  if (t.lrMult !== undefined)
    ctx.error(
      ['train', 'lrMult'],
      `YOLOv5's train.py trains every unfrozen module at one learning rate (lr0 in its hyp YAML), so train.lrMult cannot run with \`trainer: yolov5\`: remove it, ${NO_ALTERNATIVE}`,
      'key',
    );
  if (t.schedule !== undefined)
    ctx.error(
      ['train', 'schedule'],
      `YOLOv5's train.py has its own learning-rate schedule (warm-up, then linear decay to lrf of its hyp YAML, or cosine with --cos-lr), so train.schedule cannot run with \`trainer: yolov5\`: set lrf in \`yolov5.hyp\` or add --cos-lr to \`yolov5.extra\`, ${NO_ALTERNATIVE}`,
      'key',
    );
}
