// Talks to Slurm through its client commands (sbatch, squeue, scontrol, sacct, scancel), each run
// with execFile: no shell, asynchronous, so the extension host never waits on the controller (an
// unreachable one takes seconds per command). Failures become a SlurmError whose kind says what
// the user can do, with Slurm's own words kept.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Submission } from './jobScript';

export type SlurmErrorKind = 'not-installed' | 'unreachable' | 'rejected' | 'failed';

export class SlurmError extends Error {
  constructor(
    readonly kind: SlurmErrorKind,
    message: string,
    readonly command: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'SlurmError';
  }
}

/** What the scheduler says about a job (or array task). */
export interface JobInfo {
  /** As Slurm shows it: `12`, or `12_3` for task 3 of array job 12. */
  id: string;
  /** PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY… */
  state: string;
  /** Why it waits or ended (`Priority`, `Resources`, `TimeLimit`, `NodeDown`…); `None` when none. */
  reason: string;
  node?: string;
  /** `exit:signal`, once known (scontrol, sacct). */
  exitCode?: string;
  timeLimit?: string;
  /** Where this came from: squeue/scontrol while the controller remembers the job, then sacct
   *  (accounting) or the jobcomp/filetxt log. */
  source: 'squeue' | 'scontrol' | 'sacct' | 'jobcomp';
}

export interface SlurmClientOptions {
  /** Environment for the commands (PATH to find them, SLURM_CONF…), or a function giving it at
   *  each command; default process.env as it is then. */
  env?: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv);
  /** Per command; an unreachable controller makes a command wait for its own timeouts first. */
  timeoutMs?: number;
}

const UNREACHABLE =
  /Unable to contact slurm controller|connect failure|Connection refused|Socket timed out|Zero Bytes were transmitted|Communication connection failure|Munge (en|de)code failed|auth\/munge|Unable to establish controller machine/i;

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

export class SlurmClient {
  private readonly envOf: () => NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(o: SlurmClientOptions = {}) {
    const env = o.env;
    this.envOf = typeof env === 'function' ? env : () => env ?? process.env;
    this.timeoutMs = o.timeoutMs ?? 60_000;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.envOf();
  }

  /** Runs a Slurm command; resolves with its output whatever its exit code, rejects only when it
   *  could not be run (not installed) or timed out. */
  private run(command: string, args: string[], input?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const notFound = (e: NodeJS.ErrnoException) =>
        new SlurmError(
          'not-installed',
          `${command} was not found on PATH (${e.code}): Slurm's client commands must be installed where ${input === undefined ? 'runs are followed' : 'runs are submitted'} — ` +
            'on a cluster, open the workspace on a login node (Remote - SSH); on Debian/Ubuntu: apt-get install slurm-client. ' +
            'Or train on this machine (transferLab.executor local, or leave out --slurm).',
          command,
        );
      const timedOut = () =>
        new SlurmError(
          'unreachable',
          `${command} did not answer within ${Math.round(this.timeoutMs / 1000)} s: the Slurm controller is not reachable from here`,
          command,
        );
      if (input === undefined) {
        execFile(
          command,
          args,
          { env: this.env, timeout: this.timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => {
            const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
            if (e && typeof e.code === 'string') return reject(notFound(e));
            if (e?.killed) return reject(timedOut());
            resolve({ stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
          },
        );
        return;
      }
      // sbatch reads the batch script from stdin.
      const child = spawn(command, args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
      let stdout = '';
      let stderr = '';
      let failed = false;
      const timer = setTimeout(() => {
        failed = true;
        child.kill('SIGKILL');
        reject(timedOut());
      }, this.timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdin.on('error', () => undefined); // EPIPE when it exits early; its stderr says why
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!failed) reject(notFound(e));
        failed = true;
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (!failed) resolve({ stdout, stderr, code: code ?? 1 });
      });
      child.stdin.end(input);
    });
  }

  private failure(command: string, r: Run, what: string): SlurmError {
    const text = r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`;
    if (UNREACHABLE.test(text)) {
      return new SlurmError(
        'unreachable',
        `the Slurm controller is not reachable (${command}: ${oneLine(text)}). Check that slurmctld runs and that SLURM_CONF / the munge daemon are right for this machine; the run is kept as it is.`,
        command,
        r.stderr,
      );
    }
    return new SlurmError(command === 'sbatch' ? 'rejected' : 'failed', `${what}: ${oneLine(text)}`, command, r.stderr);
  }

  /** Submits; resolves to the job id (for an array, the array's job id). */
  async submit(sub: Submission): Promise<string> {
    const r = await this.run('sbatch', sub.args, sub.script);
    const id = /^(\d+)(;\S+)?\s*$/m.exec(r.stdout)?.[1];
    if (r.code !== 0 || !id) throw this.failure('sbatch', r, 'Slurm rejected the job');
    return id;
  }

  /** The jobs squeue still lists (ids may be array tasks `12_3` or whole arrays `12`, which list
   *  every task). Ids it no longer knows are missing from the result. */
  async queue(ids: string[]): Promise<Map<string, JobInfo>> {
    const out = new Map<string, JobInfo>();
    if (ids.length === 0) return out;
    // One call for every id: -t all includes ended jobs the controller still remembers (MinJobAge).
    const r = await this.run('squeue', ['-h', '-r', '-t', 'all', '-j', ids.join(','), '-o', '%i|%T|%r|%N|%l']);
    if (r.code !== 0) {
      if (/Invalid job id specified/i.test(r.stderr)) return out; // none of them known any more
      throw this.failure('squeue', r, 'squeue failed');
    }
    for (const line of r.stdout.split('\n')) {
      const [id, state, reason, node, timeLimit] = line.trim().split('|');
      if (!id || !state) continue;
      out.set(id, {
        id,
        state,
        reason: reason || 'None',
        ...(node ? { node } : {}),
        ...(timeLimit ? { timeLimit } : {}),
        source: 'squeue',
      });
    }
    return out;
  }

  /** `scontrol show job`: the exit code and reason of a job the controller still remembers. */
  async details(id: string): Promise<JobInfo | undefined> {
    const r = await this.run('scontrol', ['-o', 'show', 'job', id]);
    if (r.code !== 0) {
      if (/Invalid job id specified/i.test(r.stderr)) return undefined;
      throw this.failure('scontrol', r, 'scontrol show job failed');
    }
    // An array id lists every task; the task asked for is the one whose ids match.
    for (const line of r.stdout.split('\n')) {
      const f = fields(line);
      if (!f.JobState) continue;
      const shown = f.ArrayJobId && f.ArrayTaskId && f.ArrayTaskId !== 'N/A' ? `${f.ArrayJobId}_${f.ArrayTaskId}` : f.JobId;
      if (shown !== id && f.JobId !== id) continue;
      return {
        id,
        state: f.JobState,
        reason: f.Reason ?? 'None',
        ...(f.NodeList && f.NodeList !== '(null)' ? { node: f.NodeList } : {}),
        ...(f.ExitCode ? { exitCode: f.ExitCode } : {}),
        ...(f.TimeLimit ? { timeLimit: f.TimeLimit } : {}),
        source: 'scontrol',
      };
    }
    return undefined;
  }

  /** A job the controller has forgotten: from accounting (sacct) where it exists, else from the
   *  jobcomp/filetxt log when this machine can read it. */
  async history(id: string): Promise<JobInfo | undefined> {
    const acct = await this.run('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'JobID,State,Reason,NodeList,ExitCode,Timelimit']);
    if (acct.code === 0) {
      for (const line of acct.stdout.split('\n')) {
        const [jid, state, reason, node, exitCode, timeLimit] = line.trim().split('|');
        if (jid !== id || !state) continue;
        // sacct writes "CANCELLED by 1000".
        return {
          id,
          state: state.split(' ')[0],
          reason: reason || 'None',
          ...(node && node !== 'None assigned' ? { node } : {}),
          ...(exitCode ? { exitCode } : {}),
          ...(timeLimit ? { timeLimit } : {}),
          source: 'sacct',
        };
      }
      return undefined;
    }
    if (!/accounting storage is disabled/i.test(acct.stderr)) {
      if (UNREACHABLE.test(acct.stderr)) throw this.failure('sacct', acct, 'sacct failed');
    }
    const file = await this.jobCompLog();
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      // Not written yet, or readable by SlurmUser only (common on shared clusters): no history
      // from it, as with no accounting. Not an error of this machine's to report.
      return undefined;
    }
    // An array task is logged under its own job id, with ArrayJobId= and ArrayTaskId=.
    const [array, task] = id.split('_');
    let f: Record<string, string> | undefined;
    for (const line of text.split('\n')) {
      if (!line.startsWith('JobId=')) continue;
      const g = fields(line);
      if (task === undefined ? g.JobId === id : g.ArrayJobId === array && g.ArrayTaskId === task) f = g; // the last one wins (a requeue logs again)
    }
    if (!f?.JobState) return undefined;
    return {
      id,
      state: f.JobState,
      reason: 'None',
      ...(f.NodeList && f.NodeList !== '(null)' ? { node: f.NodeList } : {}),
      ...(f.ExitCode ? { exitCode: f.ExitCode } : {}),
      ...(f.TimeLimit ? { timeLimit: f.TimeLimit } : {}),
      source: 'jobcomp',
    };
  }

  private jobCompLoc: Promise<string | undefined> | undefined;

  private jobCompLog(): Promise<string | undefined> {
    this.jobCompLoc ??= this.run('scontrol', ['show', 'config']).then(
      (r) => {
        if (r.code !== 0) {
          this.jobCompLoc = undefined; // ask again next time
          return undefined;
        }
        const type = /^JobCompType\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
        const loc = /^JobCompLoc\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
        return type === 'jobcomp/filetxt' && loc ? loc : undefined;
      },
      () => undefined,
    );
    return this.jobCompLoc;
  }

  /** What Slurm knows about each job: live state first, then history. Missing: Slurm knows nothing. */
  async states(ids: string[]): Promise<Map<string, JobInfo>> {
    const live = await this.queue(ids);
    const out = new Map<string, JobInfo>();
    for (const id of ids) {
      const q = live.get(id);
      if (q) out.set(id, q);
      else {
        const h = (await this.details(id)) ?? (await this.history(id));
        if (h) out.set(id, h);
      }
    }
    return out;
  }

  /** Lets a job submitted with --hold be scheduled. */
  async release(id: string): Promise<void> {
    const r = await this.run('scontrol', ['release', id]);
    if (r.code !== 0) throw this.failure('scontrol', r, `scontrol release ${id} failed`);
  }

  /** `scancel`: SIGTERM to the job's processes, SIGKILL after the cluster's KillWait. */
  async cancel(id: string): Promise<void> {
    const r = await this.run('scancel', [id]);
    if (r.code !== 0) throw this.failure('scancel', r, `scancel ${id} failed`);
    // scancel exits 0 for a job that already ended, with a note on stderr; that is fine.
  }
}

/** The environment sbatch passes on to the job (--export=ALL): the caller's, without the editor's
 *  own Electron switch, and without CUDA_VISIBLE_DEVICES (the allocation decides the GPUs). */
export function submissionEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.CUDA_VISIBLE_DEVICES;
  return env;
}

/** Slurm's lines as one, without the `sbatch: error: ` prefixes. */
function oneLine(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trim().replace(/^\w+: error:\s*/, ''))
    .filter((l) => l.length > 0)
    .join('; ');
}

/** `Key=Value Key2=Value2` (scontrol -o, jobcomp/filetxt). */
export function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(?:^|\s)([A-Za-z][\w/:]*)=(\S*)/g)) out[m[1]] = m[2];
  return out;
}
