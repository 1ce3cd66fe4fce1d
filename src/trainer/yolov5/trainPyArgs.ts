// The train.py command line of a run: the experiment's settings, the model YAML the Modules view
// shows, the freeze value as YOLOv5 reads it, and --project/--name/--exist-ok so that YOLOv5 writes
// into the run's own folder (runs/<name>/, beside run.json). Pure.
import type { FreezeSpec } from '../../shared/experiment/types';
import { yolov5FreezeArgs } from './freezeArgs';
import type { Yolov5Settings } from '../../shared/yolov5/settings';

export interface Yolov5RunPlace {
  /** Absolute runs folder (YOLOv5's --project) and run name (--name): YOLOv5's save_dir is their join. */
  runsDir: string;
  name: string;
}

/** Arguments after the interpreter for a new run. */
export function trainPyArgs(s: Yolov5Settings, run: Yolov5RunPlace & { cfg: string; freeze: FreezeSpec; epochs?: number }): string[] {
  const args = ['train.py'];
  if (s.data !== undefined) args.push('--data', s.data);
  if (s.weights !== undefined) args.push('--weights', s.weights);
  args.push('--cfg', run.cfg);
  if (s.hyp !== undefined) args.push('--hyp', s.hyp);
  if (s.img !== undefined) args.push('--img', String(s.img));
  const epochs = run.epochs ?? s.epochs;
  if (epochs !== undefined) args.push('--epochs', String(epochs));
  if (s.batch !== undefined) args.push('--batch-size', String(s.batch));
  args.push('--freeze', ...yolov5FreezeArgs(run.freeze));
  args.push('--project', run.runsDir, '--name', run.name, '--exist-ok');
  args.push(...s.extra);
  return args;
}

/** Arguments to continue an interrupted run: YOLOv5 restores every setting from the run's opt.yaml. */
export function resumeArgs(lastPt: string): string[] {
  return ['train.py', '--resume', lastPt];
}
