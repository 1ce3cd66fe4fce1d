// Stopping a run: SIGTERM finishes the batch, saves weights/last and exits 0 as 'stopped'; kill -9
// at any moment leaves metrics.jsonl readable; --resume continues with the next epoch in the same
// files, whether the run was stopped or killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { parseMetricsText, readMetricsFile } from '../../src/trainer/run/metricsFile';
import { writeExperiment } from '../support/trainerFixtures';
import { runCli, startCli, TRAINER } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-signals-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const DATA = '{ source: mnist, classes: [0, 1], limit: 320, valFraction: 0.05 }';

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

function lastEpochInWeights(dir: string): number {
  const json = JSON.parse(readFileSync(path.join(dir, 'weights', 'last', 'model.json'), 'utf8'));
  return json.userDefinedMetadata.transferLab.epoch as number;
}

test('SIGTERM mid-epoch: batch finishes, weights/last written, status stopped, exit 0; --resume finishes the run', async () => {
  const exp = writeExperiment(path.join(tmp, 'term'), 'term.experiment.yaml', { data: DATA, epochs: 5, batch: 8 });
  const run = startCli(['train', exp, '--json', '--name', 'term']);
  await run.waitFor((e) => e.type === 'batch' && e.epoch === 3 && e.batch === 5);
  run.child.kill('SIGTERM');
  const exit = await run.exit;
  assert.equal(exit.code, 0, exit.stderr);
  const dir = path.join(tmp, 'term', 'runs', 'term');
  const rec = record(dir);
  assert.equal(rec.status, 'stopped');
  assert.equal(rec.epochsDone, 2);
  assert.ok(rec.endedAt);
  assert.deepEqual(
    readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2],
  );
  assert.equal(lastEpochInWeights(dir), 2);
  assert.ok(run.events.some((e) => e.type === 'log' && /SIGTERM received: stopping after the current batch/.test(e.message)));
  assert.deepEqual(run.events[run.events.length - 1], { type: 'end', run: 'term', status: 'stopped' });
  // At most the batch in flight finishes once the trainer has the signal. Counted from the
  // trainer's own "SIGTERM received" line: the stdout pipe may lag the trainer by several fast
  // batches, so the batch the test saw before signalling says nothing about where the trainer was.
  const received = run.events.findIndex((e) => e.type === 'log' && /SIGTERM received/.test(e.message));
  const afterSignal = run.events.slice(received + 1).filter((e) => e.type === 'batch').length;
  assert.ok(afterSignal <= 1, `${afterSignal} batches ran after the trainer received SIGTERM`);

  const resumed = runCli(['train', exp, '--json', '--name', 'term', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.slice(-1500));
  assert.deepEqual(
    resumed.events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? e.metrics.epoch : 0)),
    [3, 4, 5],
  );
  assert.ok(resumed.events.some((e) => e.type === 'log' && /optimizer state restored/.test(e.message)));
  assert.deepEqual(
    readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2, 3, 4, 5],
  );
  assert.equal(readFileSync(path.join(dir, 'results.csv'), 'utf8').trim().split('\n').length, 6);
  assert.equal(record(dir).status, 'finished');
  assert.equal(record(dir).epochsDone, 5);
});

test('kill -9: metrics.jsonl stays valid (a torn last line is ignored and trimmed); --resume continues', async () => {
  const exp = writeExperiment(path.join(tmp, 'kill'), 'kill.experiment.yaml', { data: DATA, epochs: 6, batch: 8 });
  const run = startCli(['train', exp, '--json', '--name', 'kill']);
  await run.waitFor((e) => e.type === 'epoch' && e.metrics.epoch === 2);
  run.child.kill('SIGKILL');
  const exit = await run.exit;
  assert.equal(exit.signal, 'SIGKILL');
  const dir = path.join(tmp, 'kill', 'runs', 'kill');
  const file = path.join(dir, 'metrics.jsonl');
  const text = readFileSync(file, 'utf8');
  const parsed = parseMetricsText(text);
  assert.deepEqual(parsed.badLines, []);
  assert.ok(parsed.metrics.length >= 2 && parsed.metrics.length < 6);
  assert.deepEqual(
    parsed.metrics.map((m) => m.epoch),
    parsed.metrics.map((_, i) => i + 1),
  );
  assert.equal(record(dir).status, 'running'); // the process never got to say otherwise
  assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')));

  // A write cut short by the kill: readers skip it, the resumed trainer trims it.
  appendFileSync(file, '{"epoch": 99, "train/loss": 0.1');
  assert.equal(readMetricsFile(file).length, parsed.metrics.length);
  const resumed = runCli(['train', exp, '--json', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.slice(-1500));
  const after = parseMetricsText(readFileSync(file, 'utf8'));
  assert.equal(after.tornTail, undefined);
  assert.deepEqual(after.badLines, []);
  assert.deepEqual(
    after.metrics.map((m) => m.epoch),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal(record(dir).status, 'finished');
});

test('--resume of a finished run asks for more epochs; --epochs extends it', () => {
  const exp = writeExperiment(path.join(tmp, 'more'), 'more.experiment.yaml', {
    data: '{ source: mnist, classes: [0, 1], limit: 32, valFraction: 0.05 }',
    epochs: 1,
  });
  assert.equal(runCli(['train', exp, '--json']).code, 0);
  const again = runCli(['train', exp, '--json', '--resume']);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /already finished its 1 epochs; pass --epochs N/);
  assert.equal(record(path.join(tmp, 'more', 'runs', 'more')).status, 'finished', 'a refused resume leaves the run as it was');
  const more = runCli(['train', exp, '--json', '--resume', '--epochs', '2']);
  assert.equal(more.code, 0, more.stderr);
  assert.deepEqual(
    readMetricsFile(path.join(tmp, 'more', 'runs', 'more', 'metrics.jsonl')).map((m) => m.epoch),
    [1, 2],
  );
});

test('killed at its very end (after epochsDone, or between weights/last and epochsDone): --resume settles it as finished', () => {
  const exp = writeExperiment(path.join(tmp, 'end'), 'end.experiment.yaml', {
    data: '{ source: mnist, classes: [0, 1], limit: 64, valFraction: 0.1 }',
    epochs: 3,
  });
  const first = runCli(['train', exp, '--json', '--name', 'end']);
  assert.equal(first.code, 0, first.stderr);
  const dir = path.join(tmp, 'end', 'runs', 'end');
  const finished = record(dir);
  const metrics = readMetricsFile(path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2, 3],
  );
  assert.equal(lastEpochInWeights(dir), 3);
  // A process that has exited: its pid is what a killed trainer leaves in run.json.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const killedAt = (patch: Partial<RunRecord>): RunRecord => {
    const r: RunRecord = { ...finished, status: 'running', pid: dead, ...patch };
    delete r.endedAt;
    delete r.pidStartTime;
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(r, null, 2));
    return r;
  };
  const states: Array<[string, Partial<RunRecord>]> = [
    // The trainer's last two writes are epochsDone, then status: killed between them.
    ['after epochsDone', {}],
    // Killed after weights/last held epoch 3, before run.json said so.
    [
      'between weights/last and epochsDone',
      { epochsDone: 2, bestAccuracy: Math.max(...metrics.slice(0, 2).map((m) => m['val/accuracy'])) },
    ],
    // Marked failed by a window that found it dead, then resumed from the editor: queued again.
    ['and queued again to resume', { status: 'queued' }],
  ];
  for (const [when, patch] of states) {
    killedAt(patch);
    const resumed = runCli(['train', exp, '--json', '--name', 'end', '--resume']);
    assert.equal(resumed.code, 0, `${when}: ${resumed.stdout.slice(-1500)} ${resumed.stderr}`);
    assert.deepEqual(
      resumed.events.filter((e) => e.type === 'epoch'),
      [],
      `${when}: nothing is trained again`,
    );
    assert.deepEqual(resumed.events[resumed.events.length - 1], { type: 'end', run: 'end', status: 'finished' }, when);
    assert.ok(
      resumed.events.some((e) => e.type === 'log' && /had trained and saved all 3 epochs .*: marked finished/.test(e.message)),
      when,
    );
    const settled = record(dir);
    assert.equal(settled.status, 'finished', when);
    assert.equal(settled.epochsDone, 3, when);
    assert.equal(settled.bestAccuracy, finished.bestAccuracy, when);
    assert.equal(settled.error, undefined, when);
    assert.ok(settled.endedAt, when);
    assert.deepEqual(readMetricsFile(path.join(dir, 'metrics.jsonl')), metrics, `${when}: metrics untouched`);
  }
  // Settled is finished like any other: more epochs need --epochs.
  assert.match(runCli(['train', exp, '--json', '--name', 'end', '--resume']).stdout, /already finished its 3 epochs/);
});

test('without --stop-with-parent a trainer ignores its stdin closing (a terminal or the editor starts it so)', async () => {
  const exp = writeExperiment(path.join(tmp, 'stdin'), 'stdin.experiment.yaml', {
    data: '{ source: mnist, classes: [0, 1], limit: 64, valFraction: 0.1 }',
    epochs: 2,
  });
  const child = spawn(process.execPath, [TRAINER, 'train', exp, '--json', '--name', 'stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, out.slice(-1500));
  assert.equal(record(path.join(tmp, 'stdin', 'runs', 'stdin')).status, 'finished');
  const refused = spawnSync(process.execPath, [TRAINER, 'train', exp, '--json', '--name', 'stdin-2', '--stop-with-parent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  assert.equal(refused.status, 2, 'stdin /dev/null is no parent pipe');
  assert.match(refused.stderr, /--stop-with-parent needs stdin to be a pipe/);
});
