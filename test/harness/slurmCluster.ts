// A real one-node Slurm cluster for tests: scripts/slurm-cluster.sh (munged + slurmctld + slurmd
// from Debian's packages, bound to 127.0.0.1, all state in a fresh temp folder) run as the only
// process of its own UTS+PID namespace, so that slurmctld can be told its host is `localhost`
// without touching the machine's name, and SIGKILL of the namespace's `unshare` process ends
// every daemon and job at once. Clients need only `SLURM_CONF` (see `env`).
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'slurm-cluster.sh');
const PACKAGES = 'apt-get install --no-install-recommends -y slurm-wlm munge';

export interface SlurmCluster {
  /** Temp folder with slurm.conf, state, logs (removed by stop). */
  readonly dir: string;
  readonly conf: string;
  /** process.env plus SLURM_CONF: what a client command needs. */
  readonly env: NodeJS.ProcessEnv;
  /** The daemons' logs, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  cpus?: number;
  memoryMb?: number;
  /** Fake GPUs the node offers (`--gres=gpu:N` is scheduled against them). */
  gpus?: number;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which of the commands the cluster needs are missing. */
export function missingSlurmCommands(): string[] {
  const need: Array<[string, string[]]> = [
    ['munged', ['/usr/sbin/munged']],
    ['mungekey', ['/usr/sbin/mungekey', '/usr/bin/mungekey']],
    ['slurmctld', ['/usr/sbin/slurmctld']],
    ['slurmd', ['/usr/sbin/slurmd']],
    ['sbatch', ['/usr/bin/sbatch']],
    ['squeue', ['/usr/bin/squeue']],
    ['unshare', ['/usr/bin/unshare']],
  ];
  return need.filter(([, files]) => !files.some(executable)).map(([n]) => n);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts a fresh cluster; rejects with a message naming the apt packages when they are missing. */
export async function startSlurmCluster(o: ClusterOptions = {}): Promise<SlurmCluster> {
  const missing = missingSlurmCommands();
  if (missing.length) {
    throw new Error(
      `cannot start the test Slurm cluster: ${missing.join(', ')} not installed. Install the packages: ${PACKAGES} (.ci/run does)`,
    );
  }
  if (process.getuid?.() !== 0)
    throw new Error('the test Slurm cluster needs root (it starts daemons in their own PID/UTS namespace with unshare)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-slurm-'));
  const ctld = await freePort();
  let slurmd = await freePort();
  while (slurmd === ctld) slurmd = await freePort();
  const child = spawn(
    'unshare',
    ['--pid', '--uts', '--fork', '--mount-proc', '--kill-child', 'bash', SCRIPT, dir, String(ctld), String(slurmd)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SLURM_TEST_CPUS: String(o.cpus ?? 4),
        SLURM_TEST_MEMORY_MB: String(o.memoryMb ?? 8000),
        SLURM_TEST_GPUS: String(o.gpus ?? 2),
      },
    },
  );
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    running.delete(child);
  });
  const conf = path.join(dir, 'slurm.conf');
  const logs = () => {
    const parts = [output.trim()];
    for (const f of ['slurmctld.log', 'slurmd.log', 'munged.log']) {
      const file = path.join(dir, 'log', f);
      if (existsSync(file)) parts.push(`--- ${f}\n${readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    return parts.filter((p) => p).join('\n');
  };
  const stop = async () => {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!existsSync(path.join(dir, 'ready'))) {
    if (gone || Date.now() > deadline) {
      const why = gone ? 'it exited' : 'it was not ready in 20 s';
      const text = logs();
      await stop();
      throw new Error(`cannot start the test Slurm cluster (${why}). If packages are missing: ${PACKAGES}\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { dir, conf, env: { ...process.env, SLURM_CONF: conf }, logs, stop };
}
