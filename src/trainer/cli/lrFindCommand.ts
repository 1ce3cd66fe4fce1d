// `transfer-lab lr-find`: the LR range test (src/trainer/lrFind/).
import { ALLOW_UNKNOWN_KEYS } from '../../shared/experiment/unknownKeys';
import { experimentFileUsesYolov5 } from '../../shared/yolov5/experimentTrainer';
import { makeLrFindEmit } from '../lrFind/lrFindReporter';
import { runLrFind } from '../lrFind/runLrFind';
import { DEFAULT_END_LR, DEFAULT_START_LR, DEFAULT_STEPS } from '../lrFind/rangeTest';
import { parseArgs, positiveInt, UsageError } from './args';
import type { Command } from './command';
import { freezeOption } from './freezeOption';

function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag} must be a positive number such as 1e-7, got '${v}'`);
  return n;
}

export const lrFind: Command = {
  usage:
    'lr-find <experiment.yaml> [--freeze SPEC] [--steps N] [--start-lr LR] [--end-lr LR] [--engine NAME] [--runs-dir DIR] [--json] [--no-cache] [--allow-unknown-keys]',
  summary:
    `the learning-rate range test: --steps batches (default ${DEFAULT_STEPS}) at rates growing exponentially from ${DEFAULT_START_LR} to ${DEFAULT_END_LR}, ` +
    'stopped when the smoothed loss diverges, on a copy of the weights (nothing is saved over them); ' +
    'writes the losses and a suggested train.lr to <runs-dir>/.lr-find/<name>-<time>.json',
  async run(argv) {
    const a = parseArgs(
      argv,
      { values: ['freeze', 'steps', 'start-lr', 'end-lr', 'engine', 'runs-dir'], switches: ['json', 'no-cache', ALLOW_UNKNOWN_KEYS] },
      'lr-find',
    );
    if (a.positionals.length !== 1) throw new UsageError(`'lr-find' needs exactly one experiment file, got ${a.positionals.length}`);
    const experimentFile = a.positionals[0];
    const steps = a.values.has('steps') ? positiveInt(a.values.get('steps')!, '--steps') : undefined;
    if (steps !== undefined && steps < 2) throw new UsageError('--steps must be at least 2: a range needs two rates');
    const options = {
      experimentFile,
      freeze: freezeOption(a.values.get('freeze')),
      engine: a.values.get('engine'),
      steps,
      startLr: positiveNumber(a.values.get('start-lr'), '--start-lr'),
      endLr: positiveNumber(a.values.get('end-lr'), '--end-lr'),
      runsDir: a.values.get('runs-dir'),
      noCache: a.switches.has('no-cache'),
      allowUnknownKeys: a.switches.has(ALLOW_UNKNOWN_KEYS),
      emit: makeLrFindEmit(a.switches.has('json')),
    };
    if (await experimentFileUsesYolov5(experimentFile))
      throw new UsageError(
        `${experimentFile} trains with YOLOv5's train.py, which has no LR range test; the LR finder runs the built-in trainer's experiments`,
      );
    return runLrFind(options);
  },
};
