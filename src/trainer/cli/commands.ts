// The `transfer-lab` commands. Each is a name, a usage line and a function from argv to an exit code.
import { formatModulesTable, modulesReport } from './modulesTable';
import { freezeOption } from './freezeOption';
import { lrFind } from './lrFindCommand';
import { loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, warningLines } from '../../shared/experiment/unknownKeys';
import { activateEngine, ENGINE_NAMES, EngineError, EngineProbe, requestedEngine } from '../engines';
import { stdinIsParentPipe } from '../run/parentWatch';
import { runTraining } from '../train/runTraining';
import { parseArgs, positiveInt, UsageError } from './args';
import { makeReporter } from './progress';
import { fineTuneOption } from './fineTuneOption';
import { trainOnSlurm, withSlurm } from './slurmCli';
import { sweepOnSlurm } from './slurmSweep';
import { sweep } from './sweep';
import type { Command } from './command';
import { experimentFileUsesYolov5 } from '../../shared/yolov5/experimentTrainer';
import { trainWithYolov5 } from '../yolov5/trainWithYolov5';

export type { Command } from './command';

function oneExperiment(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`'${command}' needs exactly one experiment file, got ${positionals.length}`);
  return positionals[0];
}

const train: Command = {
  usage:
    'train <experiment.yaml> [--name N] [--freeze SPEC] [--engine NAME] [--resume] [--runs-dir DIR] [--json] [--epochs N] [--no-cache] [--sweep NAME] [--fine-tune] [--allow-unknown-keys] [--stop-with-parent]',
  summary:
    'train one run of an experiment into runs/<name>/; refuses an experiment with keys it does not know ' +
    '(a typo such as frezee: would be ignored) unless --allow-unknown-keys; --stop-with-parent: stop, resumable, ' +
    'when the pipe on stdin closes, as `sweep` starts its runs; --fine-tune: fastai fine_tune (the body, or --freeze, ' +
    'frozen for 1 epoch, then everything at lr/100…lr, one-cycle)',
  async run(argv) {
    const a = parseArgs(
      argv,
      {
        values: ['name', 'freeze', 'engine', 'runs-dir', 'epochs', 'sweep'],
        switches: ['resume', 'json', 'no-cache', ALLOW_UNKNOWN_KEYS, 'stop-with-parent', 'fine-tune'],
      },
      'train',
    );
    const experimentFile = oneExperiment(a.positionals, 'train');
    const stopWithParent = a.switches.has('stop-with-parent');
    if (stopWithParent && !stdinIsParentPipe())
      throw new UsageError(
        '--stop-with-parent needs stdin to be a pipe from the process that starts the trainer: the trainer stops when that pipe closes',
      );
    const freeze = freezeOption(a.values.get('freeze'));
    const fineTune = a.switches.has('fine-tune') ? await fineTuneOption(experimentFile, freeze, a.switches.has('resume')) : undefined;
    const reporter = makeReporter(a.switches.has('json'));
    try {
      const options = {
        experimentFile,
        name: a.values.get('name'),
        freeze: fineTune?.freeze ?? freeze,
        ...(fineTune ? { fineTune: fineTune.recipe } : {}),
        engine: a.values.get('engine'),
        resume: a.switches.has('resume'),
        runsDir: a.values.get('runs-dir'),
        epochs: a.values.has('epochs') ? positiveInt(a.values.get('epochs')!, '--epochs') : undefined,
        noCache: a.switches.has('no-cache'),
        sweep: a.values.get('sweep'),
        allowUnknownKeys: a.switches.has(ALLOW_UNKNOWN_KEYS),
        stopWithParent,
        reporter,
      };
      // `trainer: yolov5`: YOLOv5's own train.py trains, behind the same run record.
      if (await experimentFileUsesYolov5(experimentFile)) return await trainWithYolov5(options);
      return await runTraining(options);
    } finally {
      reporter.close();
    }
  },
};

const engines: Command = {
  usage: 'engines [--engine NAME] [--json]',
  summary: 'list the training engines: which are installed, which one would be used, and why not the others',
  async run(argv) {
    const a = parseArgs(argv, { values: ['engine'], switches: ['json'] }, 'engines');
    if (a.positionals.length) throw new UsageError(`'engines' takes no arguments, got ${a.positionals.join(' ')}`);
    let chosen: { name: string; device: string } | undefined;
    let error: string | undefined;
    let probes: EngineProbe[] = [];
    try {
      const e = await activateEngine(requestedEngine(a.values.get('engine')));
      chosen = { name: e.name, device: e.device };
      probes = e.probes;
    } catch (err) {
      error = (err as Error).message;
      if (err instanceof EngineError) probes = err.probes;
    }
    if (a.switches.has('json')) {
      process.stdout.write(`${JSON.stringify({ chosen, error, engines: probes, order: ENGINE_NAMES })}\n`);
    } else {
      if (chosen) process.stdout.write(`engine: ${chosen.name} on ${chosen.device}\n`);
      for (const p of probes) {
        const mark = p.name === chosen?.name ? '*' : p.available ? '+' : '-';
        process.stdout.write(`${mark} ${p.name.padEnd(14)} ${p.reason}${p.from ? ` [${p.from}]` : ''}\n`);
      }
      if (error) process.stderr.write(`error: ${error}\n`);
      process.stdout.write(`(* used, + available, - unavailable; order of preference: ${ENGINE_NAMES.join(' > ')})\n`);
    }
    return error ? 1 : 0;
  },
};

const modules: Command = {
  usage: 'modules <experiment.yaml> [--freeze SPEC] [--json]',
  summary: "the model's modules with parameter counts and what the freeze spec freezes; the experiment's warnings (unknown keys) on stderr",
  async run(argv) {
    const a = parseArgs(argv, { values: ['freeze'], switches: ['json'] }, 'modules');
    const exp = await loadExperiment(oneExperiment(a.positionals, 'modules'));
    for (const w of warningLines(exp)) process.stderr.write(`${w}\n`);
    const report = await modulesReport(exp, freezeOption(a.values.get('freeze')));
    process.stdout.write(a.switches.has('json') ? `${JSON.stringify(report)}\n` : `${formatModulesTable(report)}\n`);
    return report.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
  },
};

/**
 * Every command, in help order. New commands (e.g. `sweep`, freeze sweeps over one experiment)
 * are added here: `commands.sweep = sweep;` with a module of their own under src/trainer/.
 */
export const commands: Record<string, Command> = {
  train: withSlurm(train, trainOnSlurm),
  engines,
  modules,
  sweep: withSlurm(sweep, sweepOnSlurm),
  'lr-find': lrFind,
};
