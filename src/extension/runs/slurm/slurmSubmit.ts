// Submitting runs from the editor: the trainer call the job makes (the runs' experiment, runs
// folder and engine, with the Slurm options' Node and trainer when they name them), one job or one
// job array through shared/slurm/submitRuns.ts, and the log line that says where it went.
import * as path from 'node:path';
import type { SlurmClient } from '../../../shared/slurm/client';
import { describeSlurmOptions } from '../../../shared/slurm/options';
import { freezeArg } from '../../../shared/runs/sweepPlan';
import { submitRuns } from '../../../shared/slurm/submitRuns';
import type { RunLogs } from '../runLogs';
import type { LaunchRequest, RunState } from '../runState';
import type { ExecutorTarget } from './slurmSettings';

export interface SubmitItem {
  name: string;
  req: LaunchRequest;
}

export interface JobsToSubmit {
  /** The tracked runs, one per item; each gets the run.json written for its job. */
  runs: RunState[];
  items: SubmitItem[];
  target: Extract<ExecutorTarget, { kind: 'slurm' }>;
  /** A job that must complete first (the pretraining, on Slurm too). */
  dependency?: string;
  trainerScript: string;
  engine: string;
}

/** Submits the runs as one job (or job array); resolves to each run's job id. Throws Slurm's message. */
export async function submitJobs(client: SlurmClient, logs: RunLogs, s: JobsToSubmit): Promise<string[]> {
  const req = s.items[0].req;
  const first = s.runs[0];
  const o = s.target.options;
  const call = {
    node: o.node ?? 'node',
    trainer: o.trainer ?? s.trainerScript,
    experiment: req.experiment,
    runsDir: path.dirname(first.dir),
    engine: s.engine,
    // The launch command asked about unknown keys before anything was queued.
    allowUnknownKeys: true,
  };
  const jobName = s.runs.length > 1 ? (req.sweep ?? first.record.name) : first.record.name;
  for (const r of s.runs)
    logs.attach(
      r.dir,
      r.record.name,
      `submitting to Slurm (${describeSlurmOptions(o)}; from ${s.target.source})${s.dependency ? `, after job ${s.dependency}` : ''}`,
    );
  const submitted = await submitRuns(client, {
    call,
    options: o,
    jobName,
    experiment: req.experiment,
    freezes: s.items.map((i) => i.req.freeze),
    ...(s.dependency ? { after: s.dependency } : {}),
    runs: s.items.map((i) => ({
      name: i.name,
      freeze: freezeArg(i.req.freeze),
      ...(i.req.sweep ? { sweep: i.req.sweep } : {}),
      ...(i.req.resume ? { resume: true } : i.req.fineTune ? { fineTune: true } : {}),
    })),
  });
  s.runs.forEach((r, i) => (r.record = submitted.records[i]));
  return submitted.jobIds;
}
