// A Slurm sweep with a fine_tune run: only its array task gets `--fine-tune`, checked by running the
// job script's shell with a stand-in for node that prints the trainer's arguments.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSubmission } from '../../src/shared/slurm/jobScript';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-slurm-ft-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('only the fine_tune task of a job array passes --fine-tune; a single fine_tune job passes it too', () => {
  const node = path.join(tmp, 'fake-node');
  writeFileSync(node, '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(node, 0o755);
  const runs = [
    { name: 'sw-freeze-0', freeze: '0', sweep: 'sw' },
    { name: 'sw-fine-tune', freeze: '6', sweep: 'sw', fineTune: true },
  ];
  for (const r of runs) mkdirSync(path.join(tmp, r.name));
  const s = buildSubmission({ call: { node, trainer: '/t.js', experiment: '/w/e.yaml', runsDir: tmp }, runs, options: {}, jobName: 'sw' });
  const argsOf = (task: number, env: Record<string, string> = {}) => {
    execFileSync('sh', ['-c', s.script], {
      env: { ...env, PATH: process.env.PATH, SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_JOB_ID: '7' },
    });
    return readFileSync(path.join(tmp, runs[task].name, `slurm-7_${task}.out`), 'utf8')
      .trim()
      .split('\n');
  };
  const plain = argsOf(0, { tune: '--fine-tune' });
  assert.ok(!plain.includes('--fine-tune'), `task 0 (inherited tune ignored): ${plain.join(' ')}`);
  assert.deepEqual(plain.slice(plain.indexOf('--freeze'), plain.indexOf('--freeze') + 2), ['--freeze', '0']);
  const tuned = argsOf(1);
  assert.ok(tuned.includes('--fine-tune'), tuned.join(' '));
  assert.deepEqual(tuned.slice(tuned.indexOf('--freeze'), tuned.indexOf('--freeze') + 2), ['--freeze', '6']);

  const one = buildSubmission({
    call: { node: 'node', trainer: '/t.js', experiment: '/w/e.yaml', runsDir: '/w/runs' },
    runs: [runs[1]],
    options: {},
    jobName: 'sw-fine-tune',
  });
  assert.match(one.script, /--freeze 6 --sweep sw --fine-tune\n$/);
});
