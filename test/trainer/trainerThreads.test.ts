// XNNPACK threads on the wasm engine: the trainer's choice (chooseWasmThreads) and a run on two
// threads against the same run on one: the threaded build must train the same model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { chooseWasmThreads, runCpus, THREADS_MIN_STEP_FLOPS } from '../../src/trainer/parallel/wasmThreads';
import { MNIST_01, writeExperiment } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-threads-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('chooseWasmThreads: threads where a step has the work for them and the run has the CPUs', () => {
  const two = runCpus({}, 2);
  const auto = { TRANSFER_LAB_WASM_THREADS: 'auto' };
  assert.equal(chooseWasmThreads(626e6, two, {}).threads, 2, 'auto is the default');
  assert.equal(chooseWasmThreads(626e6, two, auto).threads, 2);
  assert.equal(chooseWasmThreads(626e6, runCpus({}, 16), auto).threads, 4, 'at most 4');
  assert.equal(chooseWasmThreads(626e6, runCpus({}, 1), auto).threads, 1);
  const small = chooseWasmThreads(THREADS_MIN_STEP_FLOPS / 2, runCpus({}, 8), auto);
  assert.equal(small.threads, 1);
  assert.match(small.reason, /25 MFLOP: too little work/);
  assert.match(chooseWasmThreads(0.04e6, runCpus({}, 8), auto).reason, /0\.040 MFLOP/);
  assert.equal(chooseWasmThreads(undefined, runCpus({}, 8), auto).threads, 1);
  assert.deepEqual(chooseWasmThreads(1, runCpus({}, 1), { TRANSFER_LAB_WASM_THREADS: '3' }), {
    threads: 3,
    reason: 'set by TRANSFER_LAB_WASM_THREADS',
  });
  assert.equal(chooseWasmThreads(626e6, two, { TRANSFER_LAB_WASM_THREADS: '1' }).threads, 1, '1 turns threads off');
  assert.throws(() => chooseWasmThreads(1, two, { TRANSFER_LAB_WASM_THREADS: 'two' }), /must be a whole number/);
});

test("runCpus: Slurm's allocation, the editor's share, else the machine", () => {
  assert.deepEqual(runCpus({ TRANSFER_LAB_CPUS: '1' }, 8).cpus, 1);
  assert.match(runCpus({ TRANSFER_LAB_CPUS: '3' }, 4).from, /3 CPUs from the editor \(it keeps one of the machine's 4/);
  assert.equal(
    runCpus({ TRANSFER_LAB_CPUS: '7', SLURM_JOB_ID: '7', SLURM_CPUS_PER_TASK: '2' }, 8).cpus,
    2,
    "a job on a cluster node ignores the submitting editor's share",
  );
  assert.equal(runCpus({ TRANSFER_LAB_CPUS: '16' }, 8).cpus, 8, 'never more than the machine');
  assert.equal(runCpus({ SLURM_JOB_ID: '7' }, 8).cpus, 1, 'a Slurm task has one CPU unless --cpus-per-task');
  assert.equal(runCpus({ SLURM_JOB_ID: '7', SLURM_CPUS_PER_TASK: '3' }, 8).cpus, 3);
  assert.match(runCpus({ SLURM_JOB_ID: '7' }, 8).from, /Slurm allocated 1 CPU/);
  assert.equal(runCpus({ TRANSFER_LAB_CPUS: 'x' }, 6).cpus, 6);
  assert.equal(chooseWasmThreads(626e6, runCpus({ SLURM_JOB_ID: '7' }, 8), { TRANSFER_LAB_WASM_THREADS: 'auto' }).threads, 1);
});

function train(threads: string, name: string): { rec: RunRecord; log: string; losses: number[] } {
  const exp = writeExperiment(path.join(tmp, name), 'digits.experiment.yaml', { data: MNIST_01, epochs: 2 });
  const r = runCli(['train', exp, '--json', '--engine', 'wasm'], { env: { TRANSFER_LAB_WASM_THREADS: threads } });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const dir = path.join(tmp, name, 'runs', 'digits');
  const rec = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
  const losses = readMetricsFile(path.join(dir, 'metrics.jsonl')).flatMap((m) => [m['train/loss'], m['val/loss']]);
  return { rec, log: readFileSync(path.join(dir, 'train.log'), 'utf8'), losses };
}

test('a run on two XNNPACK threads trains the same model as on one', () => {
  const one = train('1', 'one');
  const two = train('2', 'two');
  assert.match(one.rec.device ?? '', /1 thread\b/);
  assert.match(two.rec.device ?? '', /2 threads/, `the threaded build did not start: ${two.rec.device}`);
  assert.match(two.log, /wasm threads: 2 \(set by TRANSFER_LAB_WASM_THREADS; \d+ CPUs?\)/);
  assert.equal(two.losses.length, 4);
  // XNNPACK splits the output among threads, not the sums: the same floats.
  two.losses.forEach((l, i) =>
    assert.ok(Math.abs(l - one.losses[i]) <= 1e-6 * Math.abs(one.losses[i]), `loss ${i}: ${l} vs ${one.losses[i]}`),
  );
});
