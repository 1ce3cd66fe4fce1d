// `transfer-lab lr-find`: the LR range test for an experiment at its current freeze (or --freeze),
// on any engine, through the same StepEngine a run trains with: one batch per step, each at its own
// base learning rate (StepEngine.epoch's `lrs`). The model is a copy in memory — nothing is saved
// over the pretrained weights or any run — and the result is one JSON file (shared/lrFind/contract.ts).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../shared/experiment/parse';
import { refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { LR_FIND_DIR, type LrFindEvent, type LrFindResult } from '../../shared/lrFind/contract';
import { describeSuggestions } from '../../shared/lrFind/lrText';
import { writeFileAtomic } from '../../shared/runFolder/writeRecord';
import { UserError } from '../../shared/userError';
import { permutation, seededRandom } from '../random';
import { errorMessage } from '../run/recordFailure';
import { defaultRunName } from '../run/runFolder';
import { StopRequests } from '../run/stopRequests';
import { TensorPeak } from '../system/tensorPeak';
import { checkTorchvisionEngine } from '../torchvision/trainTorchvision';
import { loadData, startEngine } from '../train/trainPhases';
import { lrFindSteps } from './lrFindSteps';
import { cycledOrder, DEFAULT_END_LR, DEFAULT_START_LR, DEFAULT_STEPS, lrSequence, RangeTest, suggestLr } from './rangeTest';

export interface LrFindOptions {
  experimentFile: string;
  freeze?: FreezeSpec;
  engine?: string;
  steps?: number;
  startLr?: number;
  endLr?: number;
  runsDir?: string;
  noCache: boolean;
  allowUnknownKeys?: boolean;
  emit: (e: LrFindEvent) => void;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `runs/.lr-find/<name>-<time>.json`, the time as in run names (sortable, no colons). */
export function lrFindFile(runsDir: string, exp: Experiment, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.\d+Z$/, '');
  return path.join(runsDir, LR_FIND_DIR, `${defaultRunName(exp.file, exp.name)}-${stamp}.json`);
}

/** Runs the range test; resolves to the process exit code. */
export async function runLrFind(o: LrFindOptions): Promise<number> {
  const log = (level: 'info' | 'warn' | 'error', message: string): void => o.emit({ type: 'lrFindLog', level, message });
  const stop = new StopRequests((why) => log('warn', `${why}: stopping after the current batch; nothing is written`));
  const peak = new TensorPeak();
  // The decoding threads of a streamed image folder, stopped however the test ends.
  let closeData: (() => Promise<void>) | undefined;
  try {
    const exp = await loadExperiment(o.experimentFile);
    refuseUnknownKeys(exp, o.allowUnknownKeys);
    for (const w of warningLines(exp)) log('warn', w);
    if (exp.torchvision) await checkTorchvisionEngine(exp, o.engine);
    const startLr = o.startLr ?? DEFAULT_START_LR;
    const endLr = o.endLr ?? DEFAULT_END_LR;
    if (!(endLr > startLr)) throw new UserError(`the end LR (${endLr}) must be above the start LR (${startLr})`);
    const freeze = o.freeze ?? exp.freeze;
    const startedAt = new Date();
    const used = { engine: '', device: '' };
    // The data first: the cache decision (and so the thread count) depends on how many images there are.
    const dataset = loadData(exp, log);
    closeData = () => dataset.close();
    const samples = dataset.train.count + dataset.val.count;
    const engine = await startEngine(exp, { record: { freeze }, update: (p) => Object.assign(used, p) }, o.engine, o.noCache, samples, log);
    if (dataset.train.count === 0) throw new UserError(`${exp.file}: the training set is empty: nothing to run the LR finder on`);
    const steps = await lrFindSteps(exp, { engine, dataset, freeze, noCache: o.noCache, peak, log });
    const n = o.steps ?? DEFAULT_STEPS;
    // A set smaller than one batch gives every step the whole set.
    const batch = Math.min(exp.train.batch, dataset.train.count);
    const lrs = lrSequence(startLr, endLr, n);
    const order = cycledOrder(dataset.train.count, n, batch, (e) =>
      permutation(dataset.train.count, seededRandom(exp.train.seed * 7919 + e)),
    );
    o.emit({ type: 'lrFindStart', experiment: exp.file, engine: used.engine, device: used.device, steps: n });
    log('info', `LR range test: ${n} steps of ${batch} images, LR ${startLr} to ${endLr} (exponential), freeze ${JSON.stringify(freeze)}`);
    const test = new RangeTest();
    try {
      const r = await steps.epoch(
        order,
        batch,
        async (b, _batches, loss) => {
          // The engine may finish a batch or two after a stop (the torch worker): those are not recorded.
          if (test.end || stop.requested || b - 1 !== test.lrs.length) return;
          test.record(lrs[b - 1], loss);
          if (test.lrs.length === b)
            o.emit({ type: 'lrFindStep', step: b, steps: n, lr: lrs[b - 1], loss, smoothed: test.smoothed[b - 1] });
          await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run between batches
        },
        () => test.end !== undefined || stop.requested !== undefined,
        lrs,
      );
      if (r.nonFinite && !test.end) test.record(lrs[r.nonFinite.batch - 1], r.nonFinite.value);
    } finally {
      steps.dispose();
    }
    if (stop.requested) {
      o.emit({ type: 'lrFindDone', status: 'stopped' });
      return 0;
    }
    const result: LrFindResult = {
      version: 1,
      experiment: exp.file,
      name: defaultRunName(exp.file, exp.name),
      freeze,
      engine: used.engine,
      device: used.device,
      optimizer: exp.train.optimizer,
      batch,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      startLr,
      endLr,
      steps: n,
      end: test.end ?? 'completed',
      lrs: test.lrs,
      losses: test.losses,
      smoothed: test.smoothed,
      suggestions: suggestLr(test.lrs, test.smoothed),
    };
    const file = lrFindFile(path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs')), exp, startedAt);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(result, null, 1)}\n`);
    log('info', describeEnd(result));
    log('info', `${describeSuggestions(result.suggestions)}: ${result.suggestions.reason}`);
    log('info', `written to ${file}`);
    o.emit({ type: 'lrFindDone', status: 'finished', file });
    return 0;
  } catch (err) {
    const error = errorMessage(err);
    log('error', error);
    o.emit({ type: 'lrFindDone', status: 'failed', error });
    return 1;
  } finally {
    stop.dispose();
    peak.dispose();
    await closeData?.();
  }
}

function describeEnd(r: LrFindResult): string {
  const taken = `${r.lrs.length} of ${r.steps} steps`;
  if (r.end === 'diverged') return `${taken}: stopped when the smoothed loss passed 4× its best (diverged)`;
  if (r.end === 'non-finite') return `${taken}: stopped when the loss became NaN or infinite`;
  return `${taken}: the whole range ran without diverging; a larger --end-lr shows where it does`;
}
