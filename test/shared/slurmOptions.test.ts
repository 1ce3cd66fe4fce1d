// The pure parts of running on Slurm: the experiment's executor:/slurm: sections (checked at their
// line), how settings and sections merge, what sbatch gets for a run and for a sweep's job array,
// and how a job's end becomes a run's outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperiment } from '../../src/shared/experiment/parse';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { fields } from '../../src/shared/slurm/client';
import { finalRecord } from '../../src/shared/slurm/follow';
import { slurmExecutorFromEnv } from '../../src/shared/slurm/jobEnv';
import { buildSubmission, shellQuote } from '../../src/shared/slurm/jobScript';
import { describeJobState, jobOutcome } from '../../src/shared/slurm/jobState';
import { isSlurmTime, mergeSlurmOptions, resourceArgs } from '../../src/shared/slurm/options';
import { experimentExecutor, experimentSlurmOptions } from '../../src/shared/slurm/section';
import { slurmRowText } from '../../src/extension/runs/slurm/slurmRowText';

const BASE = 'model: model.yaml\ndata: { source: mnist, classes: [0, 1] }\n';

test('executor: and slurm: parse into options; the experiment is otherwise unchanged', () => {
  const text = `${BASE}executor: slurm\nslurm:\n  partition: gpu\n  gpus: 2\n  gpuType: a100\n  cpus: 4\n  memory: 16G\n  time: "2:00:00"\n  account: proj-1\n  qos: normal\n  extraArgs: ["--constraint=a100", "--exclusive"]\n  setup: module load nodejs/20\n  node: /opt/node/bin/node\n`;
  const { experiment, diagnostics } = parseExperiment(text, '/w/x.experiment.yaml');
  assert.deepEqual(diagnostics, []);
  assert.ok(experiment);
  assert.equal(experimentExecutor(experiment), 'slurm');
  const o = experimentSlurmOptions(experiment)!;
  assert.deepEqual(resourceArgs(o), [
    '--partition=gpu',
    '--gres=gpu:a100:2',
    '--cpus-per-task=4',
    '--mem=16G',
    '--time=2:00:00',
    '--account=proj-1',
    '--qos=normal',
  ]);
  assert.deepEqual(o.extraArgs, ['--constraint=a100', '--exclusive']);
  assert.equal(o.setup, 'module load nodejs/20');
});

test('mistakes in slurm: are errors at their own line, with what to write', () => {
  const text = `${BASE}executor: cluster\nslurm:\n  partiton: gpu\n  gpus: -1\n  memory: lots\n  time: 2h\n  extraArgs: ["--exclusive", "a100"]\n`;
  const { experiment, diagnostics } = parseExperiment(text, '/w/x.experiment.yaml');
  assert.equal(experiment, undefined);
  const at = (line: number) => diagnostics.find((d) => d.line === line && d.severity === 'error')?.message ?? '';
  assert.match(at(3), /executor must be local .* or slurm/);
  assert.match(at(5), /unknown key 'partiton' in slurm; did you mean 'partition'/);
  assert.match(at(6), /slurm\.gpus must be a whole number ≥ 0/);
  assert.match(at(7), /slurm\.memory must be an amount like 16G/);
  assert.match(at(8), /slurm\.time must be a Slurm time limit/);
  assert.match(at(9), /extraArgs\[1\] is 'a100'/);
});

test('settings and sections merge field by field; time limits as Slurm writes them', () => {
  const merged = mergeSlurmOptions(
    { partition: 'cpu', time: '10', extraArgs: ['--a'] },
    { partition: 'gpu', memory: '' },
    { extraArgs: ['--b'] },
  );
  assert.deepEqual(merged, { partition: 'gpu', time: '10', extraArgs: ['--a', '--b'] });
  for (const t of ['90', '1:30', '2:00:00', '1-00:00:00', '3-12', 'UNLIMITED']) assert.ok(isSlurmTime(t), t);
  for (const t of ['2h', '1:2:3:4', '']) assert.ok(!isSlurmTime(t), t);
});

test('one run: --chdir and --output in its folder, the trainer started with exec, no requeue', () => {
  const s = buildSubmission({
    call: {
      node: 'node',
      trainer: '/ext/dist/trainer.js',
      experiment: "/w/it's.experiment.yaml",
      runsDir: '/w/runs',
      engine: 'wasm',
      allowUnknownKeys: true,
    },
    runs: [{ name: 'r1', freeze: '[0,3]', resume: true }],
    options: { partition: 'gpu', gpus: 1, setup: 'module load node', extraArgs: ['--qos=high'] },
    jobName: 'r1',
    after: '41',
  });
  assert.deepEqual(s.args, [
    '--parsable',
    '--job-name=r1',
    '--chdir=/w/runs/r1',
    '--output=/w/runs/r1/slurm-%j.out',
    '--no-requeue',
    '--partition=gpu',
    '--gres=gpu:1',
    '--dependency=afterok:41',
    '--kill-on-invalid-dep=yes',
    '--qos=high',
  ]);
  const lines = s.script.trim().split('\n');
  assert.equal(lines[0], '#!/bin/sh');
  assert.ok(lines.includes('module load node'));
  assert.equal(
    lines[lines.length - 1],
    `exec node /ext/dist/trainer.js train '/w/it'\\''s.experiment.yaml' --name r1 --json --runs-dir /w/runs --freeze '[0,3]' --engine wasm --allow-unknown-keys --resume`,
  );
  assert.ok(lines.indexOf('TRANSFER_LAB_EXECUTOR=slurm; export TRANSFER_LAB_EXECUTOR') < lines.length - 1);
  assert.equal(shellQuote('a b'), "'a b'");
});

test('a sweep: one job array, each task in its own run folder with its own output file', () => {
  const s = buildSubmission({
    call: { node: 'node', trainer: '/t.js', experiment: '/w/e.yaml', runsDir: '/w/runs' },
    runs: [
      { name: 'sw-freeze-0', freeze: '0', sweep: 'sw' },
      { name: 'sw-freeze-4', freeze: '4', sweep: 'sw' },
    ],
    options: {},
    jobName: 'sw',
  });
  assert.ok(s.args.includes('--array=0-1'));
  assert.ok(s.args.includes('--chdir=/w/runs'));
  assert.ok(s.script.includes('  1) run=sw-freeze-4; freeze=4 ;;'));
  assert.ok(s.script.includes('cd /w/runs/"$run" || exit 1'));
  assert.ok(s.script.includes('exec >>"slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out" 2>&1'));
  assert.match(
    s.script,
    /exec node \/t\.js train \/w\/e\.yaml --name "\$run" --json --runs-dir \/w\/runs --freeze "\$freeze" --sweep sw\n$/,
  );
});

const rec = (status: RunRecord['status'], more: Partial<RunRecord> = {}): RunRecord => ({
  name: 'r',
  status,
  experiment: '/e.yaml',
  freeze: 0,
  epochs: 10,
  ...more,
});
const end = (state: string, record: RunRecord, stopRequested = false, more: object = {}) =>
  jobOutcome({
    jobId: '7',
    info: { id: '7', state, reason: 'None', node: 'n1', source: 'squeue', ...more },
    record,
    stopRequested,
    outputFile: '/r/slurm-7.out',
    outputTail: 'node: not found',
  });

test('job ends become outcomes with messages that say why and what is kept', () => {
  assert.deepEqual(end('COMPLETED', rec('finished')), { status: 'finished' });
  assert.deepEqual(end('CANCELLED', rec('stopped', { epochsDone: 2 }), true), { status: 'stopped' });
  const timeout = end('TIMEOUT', rec('stopped', { epochsDone: 3 }), false, { timeLimit: '1:00' });
  assert.equal(timeout.status, 'stopped');
  assert.match(
    timeout.message!,
    /time limit \(1:00\) reached: Slurm ended job 7 on node n1 \(TIMEOUT\); 3 epochs and weights\/last are kept; Resume/,
  );
  assert.match(end('CANCELLED', rec('stopped', { epochsDone: 1 })).message!, /cancelled outside Transfer Lab/);
  assert.match(end('CANCELLED', rec('queued')).message!, /before it started/);
  const nodeFail = end('NODE_FAIL', rec('running', { epochsDone: 2 }), false, { reason: 'NodeDown' });
  assert.equal(nodeFail.status, 'failed');
  assert.match(
    nodeFail.message!,
    /node n1 failed while job 7 ran \(Slurm NODE_FAIL, reason NodeDown\); 2 epochs and weights\/last are kept/,
  );
  assert.match(
    end('FAILED', rec('queued'), false, { exitCode: '127:0' }).message!,
    /ended FAILED \(exit code 127\).*before the trainer recorded an outcome.*node: not found/,
  );
  assert.equal(end('FAILED', rec('failed', { error: 'NaN loss' })).message, 'NaN loss');
  assert.match(end('OUT_OF_MEMORY', rec('running')).message!, /raise slurm\.memory/);
  assert.match(
    jobOutcome({ jobId: '7', record: rec('running'), stopRequested: false, outputFile: 'o' }).message!,
    /Slurm no longer knows job 7/,
  );
});

test("the final record keeps the trainer's fields and adds the scheduler's last word; rows show it", () => {
  const r = rec('stopped', {
    epochsDone: 3,
    bestAccuracy: 0.9,
    endedAt: '2020-01-01T00:00:00.000Z',
    executor: { kind: 'slurm', jobId: '7', state: 'RUNNING', node: 'n1' },
  });
  const f = finalRecord(
    r,
    '7',
    { id: '7', state: 'TIMEOUT', reason: 'TimeLimit', source: 'squeue' },
    { status: 'stopped', message: 'time limit reached' },
  );
  assert.deepEqual(f.executor, { kind: 'slurm', jobId: '7', state: 'TIMEOUT', reason: 'TimeLimit', node: 'n1' });
  assert.equal(f.endedAt, '2020-01-01T00:00:00.000Z');
  assert.equal(f.error, 'time limit reached');
  assert.equal(f.bestAccuracy, 0.9);
  assert.equal(slurmRowText(f), 'slurm 7 timeout');
  assert.equal(
    slurmRowText({ ...r, executor: { kind: 'slurm', jobId: '8_1', state: 'PENDING', reason: 'Priority' } }),
    'slurm 8_1 pending (Priority)',
  );
  assert.equal(describeJobState('RUNNING', 'None', 'gpu07'), 'running on gpu07');
  assert.equal(slurmRowText(rec('finished')), undefined);
});

test('inside a submitted job the trainer records the job, not a local process', () => {
  assert.equal(slurmExecutorFromEnv({ SLURM_JOB_ID: '5' }), undefined); // an salloc shell: local
  assert.deepEqual(
    slurmExecutorFromEnv({
      TRANSFER_LAB_EXECUTOR: 'slurm',
      SLURM_JOB_ID: '9',
      SLURM_ARRAY_JOB_ID: '8',
      SLURM_ARRAY_TASK_ID: '1',
      SLURMD_NODENAME: 'n3',
    }),
    { kind: 'slurm', jobId: '8_1', state: 'RUNNING', node: 'n3' },
  );
  assert.deepEqual(fields('JobId=13 UserId=root(0) JobState=CANCELLED ExitCode=0:15 NodeList=localhost'), {
    JobId: '13',
    UserId: 'root(0)',
    JobState: 'CANCELLED',
    ExitCode: '0:15',
    NodeList: 'localhost',
  });
});
