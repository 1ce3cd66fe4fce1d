// run.json through the one writer and the one reader of src/shared/runFolder: what the writer
// (async for the host and Slurm, sync for the trainer) writes the readers give back; a torn or
// partial run.json is an error naming the file, never a record; a write that never finished (its
// temporary left behind) leaves the previous record readable; the trainer's resume and run lookup
// go through the same reader.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_RECORD_FILE, type RunRecord } from '../../src/shared/runFolder/contract';
import { listRunDirs, readRunRecord, readRunRecordSync } from '../../src/shared/runFolder/readRecord';
import { RunFolderError } from '../../src/shared/runFolder/runFolderError';
import { writeRunRecord, writeRunRecordSync } from '../../src/shared/runFolder/writeRecord';
import { latestRunOf, RunFolder } from '../../src/trainer/run/runFolder';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-runrecord-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const record: RunRecord = {
  name: 'r',
  status: 'running',
  experiment: '/w/e.yaml',
  freeze: [0, 'model.4'],
  epochs: 5,
  epochsDone: 2,
  pid: 42,
  startedAt: '2026-01-01T00:00:00.000Z',
  cache: { used: true, reason: 'prefix cached' },
  executor: { kind: 'slurm', jobId: '7_1', state: 'RUNNING' },
};

test('what either writer writes, both readers read back; the writers leave no temporary behind', async () => {
  const a = path.join(tmp, 'async', 'r');
  await writeRunRecord(a, record); // makes the folder
  assert.deepEqual(await readRunRecord(a), record);
  assert.deepEqual(readRunRecordSync(a), record);
  const b = path.join(tmp, 'sync', 'r');
  writeRunRecordSync(b, { ...record, status: 'finished' });
  assert.deepEqual(await readRunRecord(b), { ...record, status: 'finished' });
  // Overlapping async writes of one folder each use their own temporary: one of them wins, whole.
  await Promise.all([1, 2, 3, 4].map((n) => writeRunRecord(a, { ...record, epochsDone: n })));
  const last = await readRunRecord(a);
  assert.ok(last && [1, 2, 3, 4].includes(last.epochsDone ?? 0), JSON.stringify(last));
  assert.deepEqual({ ...last, epochsDone: 2 }, record);
  for (const dir of [a, b]) assert.deepEqual(readdirSync(dir), [RUN_RECORD_FILE], dir);
  assert.equal(readFileSync(path.join(a, RUN_RECORD_FILE), 'utf8').endsWith('}\n'), true);
});

test('a torn or partial run.json is an error naming the file, from both readers', async () => {
  const dir = path.join(tmp, 'torn');
  writeRunRecordSync(dir, record);
  const full = readFileSync(path.join(dir, RUN_RECORD_FILE), 'utf8');
  const file = path.join(dir, RUN_RECORD_FILE);
  for (const text of [full.slice(0, full.length / 2), full.slice(0, 1), '', JSON.stringify({ name: 'r', status: 'running' })]) {
    writeFileSync(file, text);
    const named = (e: unknown) => e instanceof RunFolderError && e.file === file && e.message.startsWith(`${file}: `);
    await assert.rejects(readRunRecord(dir), named, JSON.stringify(text));
    assert.throws(() => readRunRecordSync(dir), named, JSON.stringify(text));
  }
  writeFileSync(file, full.slice(0, 10));
  assert.throws(() => readRunRecordSync(dir), /is not valid JSON .*delete the run folder if it is left over from a crash/);
});

test('a write cut short before its rename leaves the previous record, and the folder, as they were', async () => {
  const runs = path.join(tmp, 'cut');
  const dir = path.join(runs, 'r');
  await writeRunRecord(dir, record);
  // What a writer killed mid-write leaves: its half-written temporary beside run.json.
  const full = JSON.stringify({ ...record, status: 'finished' }, null, 2);
  writeFileSync(path.join(dir, `.${RUN_RECORD_FILE}.999.0.tmp`), full.slice(0, 20));
  assert.deepEqual(await readRunRecord(dir), record);
  assert.deepEqual(await listRunDirs(runs), [dir]);
  await writeRunRecord(dir, { ...record, status: 'stopped' });
  assert.equal((await readRunRecord(dir))?.status, 'stopped');
});

test('the trainer resumes and finds runs through the same reader: a torn run.json is named, not taken for absent', () => {
  const runs = path.join(tmp, 'trainer');
  const exp = path.join(tmp, 'e.yaml');
  writeFileSync(exp, 'model: m.yaml\n');
  const good = RunFolder.create(
    runs,
    'good',
    { status: 'running', experiment: exp, freeze: 0, epochs: 2, startedAt: '2026-01-01T00:00:00.000Z' },
    exp,
  );
  good.update({ status: 'stopped' });
  good.close();
  assert.deepEqual(readRunRecordSync(good.dir), {
    name: 'good',
    status: 'stopped',
    experiment: exp,
    freeze: 0,
    epochs: 2,
    startedAt: '2026-01-01T00:00:00.000Z',
  });
  assert.equal(RunFolder.open(runs, 'good').record.status, 'stopped');
  // A later run of the same experiment whose run.json is torn is passed over when looking for the latest…
  mkdirSync(path.join(runs, 'torn'));
  writeFileSync(
    path.join(runs, 'torn', RUN_RECORD_FILE),
    `{"name": "torn", "status": "running", "experiment": ${JSON.stringify(exp)}, "startedAt": "2027`,
  );
  assert.equal(latestRunOf(runs, exp), 'good');
  // …and named when it is the one asked for.
  assert.throws(
    () => RunFolder.open(runs, 'torn'),
    (e: unknown) => e instanceof RunFolderError && /torn\/run\.json: is not valid JSON/.test(e.message),
  );
  assert.throws(
    () => RunFolder.open(runs, 'absent'),
    (e: unknown) => e instanceof RunFolderError && /nothing to resume: .*absent\/run\.json does not exist/.test(e.message),
  );
});
