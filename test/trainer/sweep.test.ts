// `transfer-lab sweep` end to end on a shrunken copy of examples/digits (real MNIST digits, real
// training): pretraining runs first exactly once, every run starts from its weights, the table's
// structure and deltas, a second sweep reusing the weights, Ctrl+C, and bad input. Needs
// `npm run compile` (dist/trainer.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProgressEvent, RunRecord } from '../../src/shared/runFolder/contract';
import type { SweepProgressLine } from '../../src/trainer/sweep/events';
import type { SweepTable } from '../../src/trainer/sweep/sweepTable';
import { isAlive } from '../../src/shared/system/processAlive';
import { cliEnv, requireBuiltTrainer, runCli, TRAINER } from '../support/trainerCli';
import { tinyDigitsExample } from '../support/digitsExample';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-sweep-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const tinyExample = tinyDigitsExample;

interface SweepResult {
  code: number | null;
  stdout: string;
  lines: SweepProgressLine[];
  /** stderr lines that are not JSON events (a usage error, say). */
  text: string[];
  stderr: string;
}

/** Runs the CLI with stdout and stderr piped (so progress is JSON lines on stderr). */
function sweep(args: string[], opts: { onLine?: (l: SweepProgressLine, pid: number) => void } = {}): Promise<SweepResult> {
  requireBuiltTrainer();
  const child = spawn(process.execPath, [TRAINER, 'sweep', ...args], { cwd: tmp, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let buf = '';
  const lines: SweepProgressLine[] = [];
  const text: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let l: SweepProgressLine;
      try {
        l = JSON.parse(line) as SweepProgressLine;
      } catch {
        text.push(line);
        continue;
      }
      lines.push(l);
      opts.onLine?.(l, child.pid!);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, lines, text, stderr })));
}

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

/** sha256 over model.json then its weight shards in manifest order, computed here independently. */
function weightsSha(folder: string): string {
  const file = path.join(folder, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest: Array<{ paths: string[] }> };
  const h = createHash('sha256').update(readFileSync(file));
  for (const g of json.weightsManifest) for (const p of g.paths) h.update(readFileSync(path.join(folder, p)));
  return h.digest('hex');
}

const isRun = (l: SweepProgressLine, type: ProgressEvent['type'], run: string) => l.type === type && 'run' in l && l.run === run;

const exp = tinyExample(path.join(tmp, 'digits'));
const runsDir = path.join(tmp, 'digits', 'runs');
const pretrainDir = path.join(runsDir, 'pretrain');

test('first sweep: pretraining runs first, once; the three runs start from its weights; the JSON table', async () => {
  const r = await sweep([exp, '--json']);
  // On failure, the lines that say why (errors, failed ends) before the tail.
  const why = r.stderr
    .split('\n')
    .filter((l) => /"level":"error"|"status":"failed"/.test(l))
    .join('\n');
  assert.equal(r.code, 0, `${why}\n…\n${r.stderr.slice(-2000)}`);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'stdout is one JSON object');
  const t = JSON.parse(r.stdout) as SweepTable;
  assert.deepEqual(r.text, [], 'progress on stderr is JSON lines only');

  // Pretraining: announced, run as 'pretrain' into the folder the weights path names, before any sweep run.
  assert.ok(
    r.lines.some(
      (l) =>
        l.type === 'log' &&
        /pretrained weights \S*runs\/pretrain\/weights\/best do not exist yet: running pretraining run pretrain/.test(l.message),
    ),
    'the sweep says it pretrains first',
  );
  const starts = r.lines.filter((l) => l.type === 'start').map((l) => ('run' in l ? l.run : ''));
  assert.deepEqual(starts, ['pretrain', ...t.runs.map((x) => x.run)], 'pretrain starts once, first, then the runs in order');
  const pretrainEnd = r.lines.findIndex((l) => isRun(l, 'end', 'pretrain'));
  const firstRun = r.lines.findIndex((l) => l.type === 'sweep-run' && l.role === 'sweep');
  assert.ok(pretrainEnd >= 0 && pretrainEnd < firstRun, 'pretraining ended before the first sweep run');
  const pre = record(pretrainDir);
  assert.equal(pre.status, 'finished');
  assert.equal(pre.sweep, undefined, 'the pretraining run is not one of the sweep’s runs');
  const sha = weightsSha(path.join(pretrainDir, 'weights', 'best'));
  assert.deepEqual(t.pretrain, { run: 'pretrain', ran: true, weights: path.join(pretrainDir, 'weights', 'best'), weightsSha256: sha });

  // The table: the seed's three scenarios for this model (9 modules, backbone 0-5).
  assert.match(t.sweep, /^sweep-\d{8}-\d{4}(-\d+)?$/);
  assert.equal(t.status, 'finished');
  assert.equal(t.experiment, exp);
  assert.deepEqual(
    t.runs.map((x) => x.freeze),
    [0, 6, 8],
  );
  assert.deepEqual(
    t.runs.map((x) => x.label),
    ['nothing frozen', 'backbone', 'all but head'],
  );
  assert.deepEqual(
    t.runs.map((x) => x.run),
    [0, 6, 8].map((f) => `${t.sweep}-freeze-${f}`),
  );
  assert.equal(t.baseline, `${t.sweep}-freeze-0`);
  assert.ok(t.engine && t.device, 'engine and device named');
  const [base, backbone, head] = t.runs;
  assert.equal(base.trainableParams, base.totalParams);
  assert.ok(
    base.trainableParams! > backbone.trainableParams! && backbone.trainableParams! > head.trainableParams! && head.trainableParams! > 0,
  );
  for (const row of t.runs) {
    assert.equal(row.status, 'finished');
    assert.equal(row.epochs, 3);
    assert.equal(row.metric, 'accuracy');
    assert.ok(row.best! > 0 && row.best! <= 1);
    assert.ok(row.secondsPerEpoch! > 0 && row.totalSeconds! >= row.secondsPerEpoch! && row.wallSeconds! >= row.totalSeconds!);
    assert.ok(row.peakTensorBytes! > 0);
    assert.equal(row.weightsSha256, sha, `${row.run} started from the pretrained weights`);
    const rec = record(path.join(runsDir, row.run));
    assert.equal(rec.weightsSha256, sha);
    assert.equal(rec.sweep, t.sweep);
    assert.equal(rec.engine, t.engine);
  }
  assert.equal(base.delta, null);
  for (const row of [backbone, head]) {
    assert.ok(Math.abs(row.delta!.scorePt! - (row.best! - base.best!) * 100) < 1e-9);
    assert.ok(Math.abs(row.delta!.speedup! - base.secondsPerEpoch! / row.secondsPerEpoch!) < 1e-9);
    assert.ok(row.delta!.memoryPct! < 0, `${row.run}: freezing needs less peak memory (${row.delta!.memoryPct}%)`);
  }
  assert.deepEqual(r.lines[r.lines.length - 1], { type: 'sweep-end', sweep: t.sweep, status: 'finished' });
});

test('a second sweep reuses the pretrained weights (no second pretraining) and prints the text table', async () => {
  const before = readFileSync(path.join(pretrainDir, 'run.json'), 'utf8');
  const sha = weightsSha(path.join(pretrainDir, 'weights', 'best'));
  const r = await sweep([exp, '--freeze', '6', '--freeze=[0, 2]', '--name', 'again', '--epochs', '1']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.ok(!r.lines.some((l) => 'run' in l && l.run === 'pretrain'), 'nothing of run pretrain');
  assert.ok(!r.lines.some((l) => l.type === 'sweep-run' && l.role === 'pretrain'));
  assert.equal(readFileSync(path.join(pretrainDir, 'run.json'), 'utf8'), before, 'the pretraining run is untouched');
  for (const name of ['again-freeze-6', 'again-freeze-0_2']) {
    const rec = record(path.join(runsDir, name));
    assert.equal(rec.status, 'finished');
    assert.equal(rec.sweep, 'again');
    assert.equal(rec.weightsSha256, sha);
  }
  assert.match(r.stdout, /^sweep again: finished, engine \w+/);
  assert.match(r.stdout, /reused from run pretrain/);
  assert.match(
    r.stdout,
    /^freeze\s+what\s+status\s+trainable\s+best acc\s+s\/epoch\s+epochs s\s+wall s\s+peak RSS\s+Δ acc\s+speed-up\s+Δ mem$/m,
  );
  assert.match(r.stdout, /^6\s+backbone\s+finished\s+[\d,]+ \/ [\d,]+\s+\d+\.\d%/m);
  assert.match(r.stdout, /^\[0, 2\]\s+finished/m);
  assert.match(r.stdout, /No run freezes nothing/, 'without freeze 0 there is no baseline, and the table says so');
});

/** A two-run sweep `name` whose process alone gets `signal` once its first run has trained two batches. */
async function signalledSweep(name: string, signal: NodeJS.Signals): Promise<SweepResult> {
  let sent = false;
  const r = await sweep([exp, '--json', '--name', name, '--freeze', '0', '--freeze', '6', '--epochs', '200'], {
    onLine: (l, pid) => {
      if (!sent && l.type === 'batch' && l.run === `${name}-freeze-0` && l.epoch === 1 && l.batch === 2) {
        sent = true;
        process.kill(pid, signal);
      }
    },
  });
  assert.ok(sent, `no batch 2 of ${name}-freeze-0 came (exit ${r.code}): ${r.stderr.slice(-1500)} ${r.stdout.slice(-1500)}`);
  return r;
}

test('SIGINT: the run in progress checkpoints and is marked stopped, later runs never start, exit 130', async () => {
  const r = await signalledSweep('stopme', 'SIGINT'); // to the sweep only: it passes the signal on to its run
  assert.equal(r.code, 130, r.stderr.slice(-2000));
  const t = JSON.parse(r.stdout) as SweepTable;
  assert.equal(t.status, 'stopped');
  assert.deepEqual(
    t.runs.map((x) => [x.run, x.status]),
    [['stopme-freeze-0', 'stopped']],
  );
  const dir = path.join(runsDir, 'stopme-freeze-0');
  assert.equal(record(dir).status, 'stopped');
  assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')), 'checkpoint written');
  assert.ok(!existsSync(path.join(runsDir, 'stopme-freeze-6')), 'the next run never started');
  assert.ok(
    r.lines.some(
      (l) => l.type === 'log' && l.run === 'stopme' && /SIGINT received: run stopme-freeze-0 stops after its current batch/.test(l.message),
    ),
  );
});

test('kill -9 of the sweep: its run notices, checkpoints and is marked stopped (resumable); later runs never start', async () => {
  await signalledSweep('killme', 'SIGKILL'); // the sweep alone: no handler runs, nothing is passed on
  const dir = path.join(runsDir, 'killme-freeze-0');
  const trainer = record(dir).pid!;
  // Its 200 epochs would take minutes: a trainer still alive after a minute did not notice.
  for (let waited = 0; isAlive(trainer) && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const stillAlive = isAlive(trainer);
  if (stillAlive) process.kill(trainer, 'SIGKILL');
  assert.ok(!stillAlive, `trainer ${trainer} kept training after its sweep was killed`);
  const rec = record(dir);
  assert.equal(rec.status, 'stopped', JSON.stringify(rec));
  assert.ok(existsSync(path.join(dir, 'weights', 'last', 'model.json')), 'checkpoint written');
  assert.match(
    readFileSync(path.join(dir, 'train.log'), 'utf8'),
    /the process that started this run \(pid \d+\) is gone: stopping after the current batch/,
  );
  assert.ok(!existsSync(path.join(runsDir, 'killme-freeze-6')), 'the next run never started');
  // One epoch more than it saved: on a fast engine (torch) epoch 1 may be done before the trainer notices its parent is gone.
  const more = String((rec.epochsDone ?? 0) + 1);
  const resumed = runCli(['train', exp, '--json', '--name', 'killme-freeze-0', '--runs-dir', runsDir, '--resume', '--epochs', more]);
  assert.equal(resumed.code, 0, resumed.stdout.slice(-1500) + resumed.stderr);
  assert.equal(record(dir).status, 'finished');
});

test('bad input fails before training, saying what to fix', async () => {
  const tooMany = await sweep([exp, '--freeze', '99']);
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /--freeze 99: freeze 99 is more than the 9 modules of model\.yaml/);
  const taken = await sweep([exp, '--name', 'again', '--freeze', '6']);
  assert.equal(taken.code, 2);
  assert.match(taken.stderr, /again-freeze-6 already exists: pick another --name/);

  const orphan = path.join(tmp, 'orphan');
  tinyExample(orphan);
  const file = path.join(orphan, 'transfer.experiment.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^pretrain:.*$/m, ''));
  const missing = await sweep([file, '--json']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /weights .*runs\/pretrain\/weights\/best do not exist, and the experiment has no pretrain:/);
  assert.ok(!existsSync(path.join(orphan, 'runs')), 'no run was started');
});
