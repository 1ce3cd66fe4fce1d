// Re-attaching after a reload trusts a pid only when it is really the run's trainer.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { checkRunProcess, isThisRunsCommandLine, processStartTime } from '../../src/extension/runs/processIdentity';
import { parseProcStat } from '../../src/extension/runs/procStat';

const linux = process.platform === 'linux';

test('parseProcStat counts fields from the last ")" so odd command names do not shift them', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // field 3 … 52
  fields[0] = 'S';
  fields[2] = '4242'; // pgrp
  fields[19] = '987654'; // starttime
  const line = `1234 (we(ird) name) ${fields.join(' ')}`;
  assert.deepEqual(parseProcStat(line), { state: 'S', pgrp: 4242, startTime: '987654' });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('the trainer of a run is recognised by --name on its command line', () => {
  const argv = ['/usr/bin/node', '/ext/dist/trainer.js', 'train', '/ws/experiment.yaml', '--name', 'sweep-1-freeze-10', '--json'];
  assert.equal(isThisRunsCommandLine(argv, 'sweep-1-freeze-10'), true);
  assert.equal(isThisRunsCommandLine(argv, 'sweep-1-freeze-1'), false, 'a prefix of the name is another run');
  assert.equal(isThisRunsCommandLine(['node', 'x', '--name=run-a'], 'run-a'), true);
  assert.equal(isThisRunsCommandLine(['bash'], 'run-a'), false);
});

test('a live process is alive only with the right name and start time', { skip: !linux && 'needs /proc' }, async () => {
  const p = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'train', 'exp.yaml', '--name', 'run-x'], { stdio: 'ignore' });
  await new Promise((r) => p.on('spawn', r));
  try {
    const pid = p.pid!;
    const started = await processStartTime(pid);
    assert.match(started ?? '', /^\d+$/);
    assert.deepEqual(await checkRunProcess({ pid, name: 'run-x', pidStartTime: started }), { state: 'alive' });
    assert.deepEqual(await checkRunProcess({ pid, name: 'run-x' }), { state: 'alive' }, 'no marker: the command line decides');
    const otherName = await checkRunProcess({ pid, name: 'run-y', pidStartTime: started });
    assert.equal(otherName.state, 'reused');
    const otherStart = await checkRunProcess({ pid, name: 'run-x', pidStartTime: String(Number(started) + 1) });
    assert.equal(otherStart.state, 'reused', 'a pid reused by a later process is not the run');
  } finally {
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
  }
  assert.deepEqual(await checkRunProcess({ pid: p.pid!, name: 'run-x' }), { state: 'dead' });
});

test('our own pid (not a trainer) is reported as reused, never as the run', { skip: !linux && 'needs /proc' }, async () => {
  const check = await checkRunProcess({ pid: process.pid, name: 'run-x' });
  assert.equal(check.state, 'reused');
});

test('absurd pids are dead', async () => {
  assert.deepEqual(await checkRunProcess({ pid: 0, name: 'r' }), { state: 'dead' });
  assert.deepEqual(await checkRunProcess({ pid: -5, name: 'r' }), { state: 'dead' });
  assert.deepEqual(await checkRunProcess({ pid: 2 ** 22 + 17, name: 'r' }), { state: 'dead' });
});
