// A full disk, for real: run folders on a small tmpfs (mount needs root; the tests skip, saying so,
// where mounting is not allowed) filled up by a filler file while the trainer writes. The write that
// fails leaves no temporary behind and the previous version readable; the run is recorded failed
// ("disk full at …", what was kept) in run.json when the freed temporaries make room, else in
// disk-full.txt, which the readers understand; and it resumes once there is space again.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DISK_FULL_FILE, type ProgressEvent, type RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { readRunRecord } from '../../src/shared/runFolder/readRecord';
import { writeFileAtomic, writeRunRecord } from '../../src/shared/runFolder/writeRecord';
import { readNamedWeights } from '../../src/trainer/model/modelFiles';
import { DurableLines, writeFolderAtomic } from '../../src/trainer/run/atomicFiles';
import type { Reporter } from '../../src/trainer/cli/progress';
import { DiskFullError } from '../../src/shared/system/diskFull';
import { recordFailure } from '../../src/trainer/run/recordFailure';
import { RunFolder } from '../../src/trainer/run/runFolder';
import { writeExperiment } from '../support/trainerFixtures';
import { runCli, startCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-diskfull-'));
const mounts: string[] = [];
process.on('exit', () => {
  for (const m of mounts) spawnUmount(m);
  rmSync(tmp, { recursive: true, force: true });
});

function spawnUmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** A fresh tmpfs of `size` at tmp/<name>, or undefined (and the test skipped) where mounting is not allowed. */
function smallDisk(t: TestContext, name: string, size: string): string | undefined {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}): needs root`);
    return undefined;
  }
  mounts.push(dir);
  t.after(() => spawnUmount(dir));
  return dir;
}

/** Fills the disk `dir` is on with one file, then gives back `leave` bytes of it. */
function fill(dir: string, leave = 0): string {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  if (leave > 0) ftruncateSync(fd, Math.max(0, size - leave));
  closeSync(fd);
  return file;
}

/** Every name under `dir`, recursively, relative to it. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

test('on a full disk: atomic files keep their old version and leave no temporary; a line is appended whole or not at all', (t) => {
  const disk = smallDisk(t, 'atomic', '1m');
  if (!disk) return;
  const json = path.join(disk, 'run.json');
  writeFileAtomic(json, '{"status":"running"}');
  const weights = path.join(disk, 'weights', 'last');
  writeFolderAtomic(weights, { 'model.json': 'epoch 1', 'weights.bin': new Uint8Array(1000).fill(1) });
  const metricsFile = path.join(disk, 'metrics.jsonl');
  const metrics = new DurableLines(metricsFile);
  metrics.append('{"epoch":1}');
  fill(disk);

  assert.throws(
    () => writeFileAtomic(json, 'x'.repeat(20_000)),
    (e: unknown) => e instanceof DiskFullError && e.file === json && /^disk full at \S+run\.json \(ENOSPC/.test(e.message),
  );
  assert.equal(readFileSync(json, 'utf8'), '{"status":"running"}');
  assert.throws(() => writeFolderAtomic(weights, { 'model.json': 'epoch 2', 'weights.bin': new Uint8Array(100_000) }), DiskFullError);
  assert.equal(readFileSync(path.join(weights, 'model.json'), 'utf8'), 'epoch 1');
  assert.equal(statSync(path.join(weights, 'weights.bin')).size, 1000);
  // The line's start fits in the file's last page, the rest does not: a short write, then ENOSPC.
  assert.throws(() => metrics.append(`{"epoch":2,"pad":"${'x'.repeat(10_000)}"}`), DiskFullError);
  metrics.close();
  assert.equal(readFileSync(metricsFile, 'utf8'), '{"epoch":1}\n');
  assert.deepEqual(allFiles(disk).sort(), [
    'filler',
    'metrics.jsonl',
    'run.json',
    'weights',
    'weights/last',
    'weights/last/model.json',
    'weights/last/weights.bin',
  ]);
});

test("on a full disk the editor's run.json writes leave no temporary either", async (t) => {
  const disk = smallDisk(t, 'host', '1m');
  if (!disk) return;
  const record: RunRecord = { name: 'r', status: 'queued', experiment: '/w/e.yaml', freeze: 0 };
  await writeRunRecord(disk, record);
  fill(disk);
  await assert.rejects(writeRunRecord(disk, { ...record, status: 'failed', error: 'x'.repeat(20_000) }), /ENOSPC/);
  assert.deepEqual(readdirSync(disk).sort(), ['filler', 'run.json']);
  assert.deepEqual(await readRunRecord(disk), record);
});

/** A model whose weights (and Adam state) are far bigger than the run's other files. */
const BIG_MODEL = `nc: 2
backbone:
  - [-1, 1, Conv, [8, 3, 1]]
  - [-1, 1, MaxPool, [2, 2]]
head:
  - [-1, 1, Flatten, []]
  - [-1, 1, Dense, [32]]
  - [-1, 1, Dense, [nc]]
`;

/** Trains on `disk` until a filler leaves `leave` bytes after epoch 2; the run must then fail on its own. */
async function trainUntilFull(
  name: string,
  disk: string,
  leave: number,
): Promise<{ exp: string; dir: string; filler: string; end: Extract<ProgressEvent, { type: 'end' }>; code: number | null }> {
  const expDir = path.join(tmp, `${name}-exp`);
  mkdirSync(expDir, { recursive: true });
  writeFileSync(path.join(expDir, 'big.yaml'), BIG_MODEL);
  const exp = writeExperiment(expDir, `${name}.experiment.yaml`, {
    model: 'big.yaml',
    data: '{ source: mnist, classes: [0, 1], limit: 128, valFraction: 0.1 }',
    epochs: 500,
    imgsz: 28,
  });
  const run = startCli(['train', exp, '--json', '--name', name, '--runs-dir', disk]);
  await run.waitFor((e) => e.type === 'epoch' && e.metrics.epoch === 2, 60_000);
  const filler = fill(disk, leave);
  const exit = await run.exit;
  const end = run.events[run.events.length - 1];
  if (end?.type !== 'end')
    assert.fail(`the run ends with an end event (exit ${exit.code} ${exit.signal}); stderr: ${exit.stderr.slice(-1500)}`);
  return { exp, dir: path.join(disk, name), filler, end, code: exit.code };
}

/** What must hold whichever write hit the full disk. */
function assertKeptAndClean(dir: string, end: { error?: string }): number {
  assert.match(
    end.error ?? '',
    /^disk full at \S+ \(ENOSPC: no space left on device\); kept weights\/last \(epoch \d+\) and the metrics of \d+ finished epoch\(s\); free some space, then resume/,
  );
  assert.deepEqual(
    allFiles(dir).filter((f) => /\.tmp$|\.old$/.test(f)),
    [],
    'no temporary is left',
  );
  const { metadata, weights } = readNamedWeights(path.join(dir, 'weights', 'last', 'model.json'));
  assert.ok(Object.keys(weights).length > 0, 'weights/last decodes');
  const kept = metadata!.epoch;
  assert.ok(kept >= 1, `weights/last holds epoch ${kept}`); // epoch 2 is announced before it is saved
  assert.match(end.error ?? '', new RegExp(`kept weights/last \\(epoch ${kept}\\)`));
  const epochs = readMetricsFile(path.join(dir, 'metrics.jsonl')).map((m) => m.epoch);
  assert.deepEqual(
    epochs,
    epochs.map((_, i) => i + 1),
  );
  assert.ok(epochs.length >= kept, 'every checkpointed epoch has its metrics');
  return kept;
}

test('disk full at a checkpoint: the partial weights go, run.json records the failure in the room they freed; resume after freeing space', async (t) => {
  const disk = smallDisk(t, 'ckpt', '8m');
  if (!disk) return;
  // 64 KB free: the next checkpoint (hundreds of KB) cannot fit, run.json can.
  const { exp, dir, filler, end, code } = await trainUntilFull('ckpt', disk, 64 * 1024);
  assert.equal(code, 1);
  assert.equal(end.status, 'failed');
  assert.match(end.error ?? '', /^disk full at \S+\/weights\/(last|best) /);
  const kept = assertKeptAndClean(dir, end);
  const onDisk = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(onDisk.status, 'failed');
  assert.equal(onDisk.error, end.error);
  assert.ok(onDisk.endedAt);
  assert.ok(!existsSync(path.join(dir, DISK_FULL_FILE)));

  rmSync(filler);
  const resumed = runCli(['train', exp, '--json', '--name', 'ckpt', '--runs-dir', disk, '--resume', '--epochs', String(kept + 1)]);
  assert.equal(resumed.code, 0, resumed.stdout.slice(-1500) + resumed.stderr);
  assert.equal((await readRunRecord(dir))?.status, 'finished');
});

test('disk completely full at the end of a run: it fails with what was kept, in run.json or (when run.json cannot be rewritten) disk-full.txt; resume clears it', async (t) => {
  const disk = smallDisk(t, 'full', '8m');
  if (!disk) return;
  const { exp, dir, filler, end, code } = await trainUntilFull('full', disk, 0);
  assert.equal(code, 1);
  assert.equal(end.status, 'failed');
  assertKeptAndClean(dir, end);
  // Which of the two happens depends on what the failed write had already written: removing its
  // temporary can free the pages run.json then needs. The marker path itself is tested on its own below.
  const raw = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
  if (existsSync(path.join(dir, DISK_FULL_FILE))) {
    assert.match(end.error ?? '', /run\.json could not be rewritten on the full disk: \S+disk-full\.txt records the failure/);
    assert.equal(raw.status, 'running', 'run.json itself could not change');
  } else {
    assert.equal(raw.status, 'failed');
    assert.match(raw.error ?? '', /^disk full at /);
  }
  const read = await readRunRecord(dir);
  assert.equal(read?.status, 'failed', 'readers see the failure either way');
  assert.match(read?.error ?? '', /disk (was )?full/);

  rmSync(filler);
  const resumed = runCli([
    'train',
    exp,
    '--json',
    '--name',
    'full',
    '--runs-dir',
    disk,
    '--resume',
    '--epochs',
    String(raw.epochsDone! + 1),
  ]);
  assert.equal(resumed.code, 0, resumed.stdout.slice(-1500) + resumed.stderr);
  assert.ok(!existsSync(path.join(dir, DISK_FULL_FILE)), 'the resumed run is no longer the failed one');
  assert.equal((await readRunRecord(dir))?.status, 'finished');
});

test("run.json cannot be rewritten on a full disk: disk-full.txt records the failure and the readers take it for the run's end", async (t) => {
  const disk = smallDisk(t, 'marker', '1m');
  if (!disk) return;
  const expFile = path.join(disk, 'e.yaml');
  writeFileSync(expFile, 'model: m.yaml\n');
  const run = RunFolder.create(disk, 'm', { status: 'running', experiment: expFile, freeze: 0, epochs: 3 }, expFile);
  fill(disk);
  const events: ProgressEvent[] = [];
  const code = recordFailure(new DiskFullError(path.join(run.dir, 'weights', 'last'), 'ENOSPC'), {
    run,
    runName: 'm',
    log: () => undefined,
    reporter: { event: (e: ProgressEvent) => void events.push(e), close: () => undefined } satisfies Reporter,
  });
  assert.equal(code, 1);
  const end = events.at(-1);
  assert.ok(end?.type === 'end' && end.status === 'failed', JSON.stringify(end));
  assert.match(
    end.error ?? '',
    /^disk full at \S+weights\/last \(ENOSPC.*run\.json could not be rewritten on the full disk: \S+disk-full\.txt records the failure/,
  );
  assert.equal(
    (JSON.parse(readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord).status,
    'running',
    'run.json itself could not change',
  );
  assert.ok(existsSync(path.join(run.dir, DISK_FULL_FILE)));
  const read = await readRunRecord(run.dir);
  assert.equal(read?.status, 'failed');
  assert.match(read?.error ?? '', /disk (was )?full/);
});
