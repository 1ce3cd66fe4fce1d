// Parses and validates an experiment file. Every problem becomes a FileDiagnostic at the line of
// the offending key or value, with a message that says what to write instead. This module holds the
// entry points and puts the experiment together; each section is read by its own module
// (readModel, readData, readTrain, readFreezeSchedule, readOtherKeys) over a shared ParseContext.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { show } from './describeValue';
import { ExperimentError } from './diagnostics';
import { isObject, ParseContext } from './parseContext';
import { readData } from './readData';
import { readFreezeSetting } from './readFreezeSchedule';
import { readModel } from './readModel';
import { readOtherKeys, sectionsByKey } from './readOtherKeys';
import { readTrain } from './readTrain';
import type { ExperimentSection } from './sectionTypes';
import type { DataSpec, Experiment, FileDiagnostic } from './types';
import { parseYamlDocument } from './yamlPositions';
import { refuseYolov5FineTuning } from '../yolov5/fineTuneLimits';

export { ExperimentError, formatDiagnostic, formatDiagnostics } from './diagnostics';
export { DEFAULT_IMGSZ, TRAIN_DEFAULTS } from './readTrain';

export interface ParseExperimentOptions {
  /** Sections known in addition to the fixed list (EXPERIMENT_SECTIONS). */
  sections?: ExperimentSection[];
}

export async function loadExperiment(file: string, options?: ParseExperimentOptions): Promise<Experiment> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (e as Error).message;
    throw new ExperimentError(abs, [
      {
        file: abs,
        line: 1,
        column: 1,
        severity: 'error',
        message: `cannot read the experiment file: ${reason}. Check the path, or create one with the "New Experiment" command.`,
      },
    ]);
  }
  const { experiment, diagnostics } = parseExperiment(text, abs, options);
  if (!experiment) throw new ExperimentError(abs, diagnostics);
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length) experiment.warnings = warnings;
  return experiment;
}

/** Parses an experiment's text; `experiment` is set when there is no error (warnings allowed). */
export function parseExperiment(
  text: string,
  file: string,
  options?: ParseExperimentOptions,
): { experiment?: Experiment; diagnostics: FileDiagnostic[] } {
  const abs = path.resolve(file);
  const parsed = parseYamlDocument(text, abs);
  if (!parsed.doc) return { diagnostics: [parsed.error!] };
  const ctx = new ParseContext(parsed.doc, abs);
  const experiment = readExperiment(ctx, options?.sections ?? []);
  const diagnostics = ctx.diagnostics;
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { experiment: failed ? undefined : experiment, diagnostics };
}

/** Reads every section, in the order their problems are listed; undefined when one failed. */
function readExperiment(ctx: ParseContext, extraSections: ExperimentSection[]): Experiment | undefined {
  const root = ctx.doc.value;
  if (root === undefined || root === null) {
    ctx.error(
      [],
      'the experiment file is empty: add at least `model: model.yaml` and a `data:` section (the "New Experiment" command writes a commented example)',
    );
    return undefined;
  }
  if (!isObject(root)) {
    ctx.error([], `an experiment file must be a mapping of keys (model:, data:, train:, freeze:…), not ${show(root)}`);
    return undefined;
  }
  const sections = sectionsByKey(extraSections);

  const name = ctx.optionalString(root, ['name']);
  const m = readModel(ctx, root);
  // The torch engine's interpreter: a path (relative to this file) or a command on PATH.
  const python = ctx.optionalString(root, ['python']);
  // A feature whose trainer reads its own data (`trainer: yolov5`) stands in for `data:`.
  const supplier = root.data === undefined ? [...sections.values()].find((s) => s.suppliesData?.(root[s.key])) : undefined;
  const data: DataSpec | undefined = supplier ? { source: 'external', section: supplier.key } : readData(ctx, root);
  const train = readTrain(ctx, root, data?.source ?? 'folder');
  const errorsBefore = ctx.diagnostics.length;
  refuseYolov5FineTuning(ctx, root);
  // A refused freeze schedule is not read further: its phases would only add noise to the refusal.
  const freeze =
    ctx.diagnostics.length > errorsBefore && isObject(root.freeze) ? undefined : readFreezeSetting(ctx, root.freeze, train?.epochs);
  const extra = readOtherKeys(ctx, root, sections);

  if (m.model === undefined || data === undefined || train === undefined || freeze === undefined || m.failed) return undefined;
  const exp: Experiment = { file: ctx.file, model: m.model, data, train, freeze: freeze.freeze };
  if (freeze.schedule) exp.freezeSchedule = freeze.schedule;
  if (m.torchvision) exp.torchvision = m.torchvision;
  if (name !== undefined) exp.name = name;
  if (m.weights !== undefined) exp.weights = m.weights;
  if (m.pretrain !== undefined) exp.pretrain = m.pretrain;
  if (python !== undefined) exp.python = /[\\/]/.test(python) ? path.resolve(ctx.dir, python) : python;
  if (Object.keys(extra).length) exp.extra = extra;
  return exp;
}
