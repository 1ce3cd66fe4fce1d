// A job submitted held whose release fails is cancelled; when the cancel fails too, the run's
// record and the error say so, with the scancel that removes it, instead of claiming it was
// cancelled. The Slurm commands are small shell scripts on PATH standing in for a cluster whose
// controller accepts the job and then refuses both scontrol release and scancel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SlurmClient } from '../../src/shared/slurm/client';
import { submitRuns } from '../../src/shared/slurm/submitRuns';
import type { RunRecord } from '../../src/shared/runFolder/contract';

function cluster(scancelExit: number): { client: SlurmClient; runsDir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-slurm-release-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // --parsable: sbatch prints the bare job id.
  script('sbatch', 'cat >/dev/null; echo 42');
  script('scontrol', 'echo "scontrol: error: Access/permission denied for job 42" >&2; exit 1');
  script(
    'scancel',
    scancelExit === 0 ? 'exit 0' : 'echo "scancel: error: Kill job error on job id 42: Access/permission denied" >&2; exit 1',
  );
  const client = new SlurmClient({ env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, timeoutMs: 10_000 });
  return { client, runsDir: path.join(dir, 'runs'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function submit(client: SlurmClient, runsDir: string) {
  return submitRuns(client, {
    call: { node: 'node', trainer: '/opt/transfer-lab/trainer.js', experiment: '/w/t.experiment.yaml', runsDir },
    runs: [{ name: 'r1', freeze: '3' }],
    options: {},
    jobName: 'r1',
    experiment: '/w/t.experiment.yaml',
    freezes: [3],
  });
}

const record = (runsDir: string): RunRecord => JSON.parse(readFileSync(path.join(runsDir, 'r1', 'run.json'), 'utf8')) as RunRecord;

test('release refused, cancel refused: the record names the job still queued and how to remove it', async () => {
  const c = cluster(1);
  try {
    await assert.rejects(submit(c.client, c.runsDir), /job 42 could not be released: .*cancelling it failed too .*scancel 42/);
    const rec = record(c.runsDir);
    assert.equal(rec.status, 'failed');
    assert.match(
      rec.error ?? '',
      /could not be released .*Access\/permission denied.*cancelling it failed too \(.*Kill job error.*\): remove it with scancel 42/,
    );
    assert.doesNotMatch(rec.error ?? '', /it was cancelled/);
  } finally {
    c.done();
  }
});

test('release refused, cancel done: the record says it was cancelled', async () => {
  const c = cluster(0);
  try {
    await assert.rejects(submit(c.client, c.runsDir), /job 42 could not be released/);
    assert.match(record(c.runsDir).error ?? '', /could not be released .*; it was cancelled$/);
  } finally {
    c.done();
  }
});
