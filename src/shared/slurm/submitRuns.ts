// Submitting runs: each run's folder is made first (sbatch needs it as the working directory and
// for the job's output) with a queued run.json, then the job goes in held, its id is written into
// every run.json, and only then is it released — so the trainer, which takes over the folder when
// the job starts, can never be overwritten by this late write. A rejected submission leaves the
// folders with run.json `failed` and Slurm's own message; a resubmission that fails leaves the
// run as it was.
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunRecord } from '../runFolder/contract';
import { readRunRecord } from '../runFolder/readRecord';
import { writeRunRecord } from '../runFolder/writeRecord';
import { SlurmError, type SlurmClient } from './client';
import { buildSubmission, JOB_SCRIPT_FILE, type JobSpec } from './jobScript';
import { FASTAI_FINE_TUNE } from '../runs/fineTune';

export interface SubmitRequest extends JobSpec {
  /** What run.json says for a new run: the experiment and the canonical freeze value. */
  experiment: string;
  freezes: Array<RunRecord['freeze']>;
}

export interface Submitted {
  /** The job (or job array) id sbatch returned. */
  jobId: string;
  /** Per run, in order: the id its job has in squeue (`12`, or `12_3` for an array task). */
  jobIds: string[];
  records: RunRecord[];
}

/** Submits one run as a job or several as a job array (see the file comment). */
export async function submitRuns(client: SlurmClient, req: SubmitRequest): Promise<Submitted> {
  const dirs = req.runs.map((r) => path.join(req.call.runsDir, r.name));
  const before: Array<RunRecord | undefined> = [];
  const queued: RunRecord[] = [];
  const sub = buildSubmission(req);
  for (const [i, run] of req.runs.entries()) {
    const prev = run.resume ? await readRunRecord(dirs[i]) : undefined;
    before.push(prev);
    let rec: RunRecord;
    if (prev) {
      rec = { ...prev, status: 'queued' };
      delete rec.error;
      delete rec.endedAt;
    } else {
      rec = {
        name: run.name,
        status: 'queued',
        experiment: req.experiment,
        freeze: req.freezes[i],
        ...(run.sweep ? { sweep: run.sweep } : {}),
        ...(run.fineTune ? { fineTune: FASTAI_FINE_TUNE } : {}),
      };
    }
    await writeRunRecord(dirs[i], rec);
    // What was submitted, for the user to read or resubmit by hand.
    await writeFile(
      path.join(dirs[i], JOB_SCRIPT_FILE),
      sub.script.replace('\n', `\n# submitted as: sbatch ${sub.args.join(' ')}\n`),
      'utf8',
    );
    queued.push(rec);
  }

  const restore = async (message: string) => {
    for (const [i, prev] of before.entries()) {
      if (prev) await writeRunRecord(dirs[i], prev);
      else await writeRunRecord(dirs[i], { ...queued[i], status: 'failed', error: message, endedAt: new Date().toISOString() });
    }
  };

  let jobId: string;
  try {
    jobId = await client.submit({ args: [...sub.args, '--hold'], script: sub.script });
  } catch (e) {
    await restore(e instanceof Error ? e.message : String(e));
    throw e;
  }
  const jobIds = req.runs.length === 1 ? [jobId] : req.runs.map((_, i) => `${jobId}_${i}`);
  const records = queued.map((r, i): RunRecord => ({ ...r, executor: { kind: 'slurm', jobId: jobIds[i], state: 'PENDING' } }));
  for (const [i, r] of records.entries()) await writeRunRecord(dirs[i], r);
  try {
    await client.release(jobId);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // A held job left in the queue holds nothing the user sees: if cancelling fails too, say so
    // with the command that removes it, rather than "it was cancelled".
    const cancelled = await client.cancel(jobId).then(
      () => 'it was cancelled',
      (c: unknown) => `cancelling it failed too (${c instanceof Error ? c.message : String(c)}): remove it with scancel ${jobId}`,
    );
    await restore(`job ${jobId} was submitted held but could not be released (${why}); ${cancelled}`);
    throw new SlurmError(
      e instanceof SlurmError ? e.kind : 'failed',
      `job ${jobId} could not be released: ${why}; ${cancelled}`,
      'scontrol',
    );
  }
  return { jobId, jobIds, records };
}
