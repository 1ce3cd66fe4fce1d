// One `transfer-lab lr-find --json` process, as the host starts it: no shell, its own process group
// (a stop reaches the torch worker too), its stdout read as LrFindEvent lines. No vscode import:
// the arguments and the outcome are unit-tested directly.
import type { FreezeSpec } from '../../shared/experiment/types';
import { parseLrFindLine, type LrFindEvent } from '../../shared/lrFind/contract';
import { freezeArg } from '../../shared/runs/sweepPlan';
import type { RunSettings } from '../runs/trainerCommand';
import { TrainerProcess, type TrainerExit, type TrainerSpawn } from '../runs/trainerProcess';

export interface LrFindInvocation {
  trainerScript: string;
  experiment: string;
  runsDir: string;
  freeze?: FreezeSpec;
  steps?: number;
}

export function lrFindArgs(inv: LrFindInvocation, settings: RunSettings): string[] {
  // Unknown keys were shown and the user chose to go on (or there were none).
  const args = [inv.trainerScript, 'lr-find', inv.experiment, '--json', '--runs-dir', inv.runsDir, '--allow-unknown-keys'];
  if (inv.freeze !== undefined) args.push('--freeze', freezeArg(inv.freeze));
  if (inv.steps !== undefined) args.push('--steps', String(inv.steps));
  if (settings.engine && settings.engine !== 'auto') args.push('--engine', settings.engine);
  return args;
}

export type LrFindOutcome = { status: 'finished'; file: string } | { status: 'stopped' } | { status: 'failed'; error: string };

const STDERR_LINES = 20;

/** What the process's events and exit add up to: the result file, a stop, or the error to show. */
export function lrFindOutcome(
  done: Extract<LrFindEvent, { type: 'lrFindDone' }> | undefined,
  exit: TrainerExit,
  stderr: string[],
): LrFindOutcome {
  if (done?.status === 'finished' && done.file) return { status: 'finished', file: done.file };
  if (done?.status === 'stopped' || (!done && (exit.signal === 'SIGTERM' || exit.signal === 'SIGINT'))) return { status: 'stopped' };
  const why =
    done?.error ??
    exit.error?.message ??
    (stderr.length
      ? stderr.join('\n')
      : `the LR finder exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`} and no result`);
  return { status: 'failed', error: why };
}

/** Starts the process; `onEvent` sees each event; resolves when it has exited. */
export function startLrFind(
  spec: TrainerSpawn,
  onEvent: (e: LrFindEvent) => void,
): { pid: number | undefined; done: Promise<LrFindOutcome> } {
  let last: Extract<LrFindEvent, { type: 'lrFindDone' }> | undefined;
  const stderr: string[] = [];
  let proc: TrainerProcess | undefined;
  const done = new Promise<LrFindOutcome>((resolve) => {
    proc = new TrainerProcess(spec, {
      // lr-find prints no run progress events; its own lines arrive as text.
      onEvent: () => undefined,
      onText: (line, stream) => {
        const e = stream === 'stdout' ? parseLrFindLine(line) : undefined;
        if (e) {
          if (e.type === 'lrFindDone') last = e;
          onEvent(e);
        } else if (stream === 'stderr') {
          stderr.push(line);
          if (stderr.length > STDERR_LINES) stderr.shift();
        }
      },
      onExit: (exit) => resolve(lrFindOutcome(last, exit, stderr)),
    });
  });
  return { pid: proc?.pid, done };
}
