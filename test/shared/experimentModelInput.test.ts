// The class count of a folder experiment comes from data.path/train/'s subfolders. No train/ yet
// is normal (the model file's own count is used, silently); a train/ that cannot be listed is a
// problem the Modules view and `transfer-lab modules` show, pointing at data.path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/shared/experiment/parse';
import { modelInputFor } from '../../src/shared/model/experimentModel';

const tmp = mkdtempSync(path.join(tmpdir(), 'tl-model-input-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let count = 0;

async function folderExperiment(): Promise<{ dir: string; input: () => ReturnType<typeof modelInputFor> }> {
  const dir = path.join(tmp, `w${++count}`);
  mkdirSync(dir);
  const file = path.join(dir, 't.experiment.yaml');
  writeFileSync(file, 'model: m.yaml\ndata:\n  source: folder\n  path: images\n');
  const exp = await loadExperiment(file);
  return { dir, input: () => modelInputFor(exp) };
}

test('classes are counted from train/ subfolders', async () => {
  const { dir, input } = await folderExperiment();
  for (const c of ['cat', 'dog', 'eel']) mkdirSync(path.join(dir, 'images', 'train', c), { recursive: true });
  const got = await input();
  assert.equal(got.nc, 3);
  assert.deepEqual(got.notes, []);
});

test("no data folder yet: the model's own class count, and nothing to say", async () => {
  const { input } = await folderExperiment();
  const got = await input();
  assert.equal(got.nc, undefined);
  assert.deepEqual(got.notes, []);
});

test('a train/ that cannot be listed is said, at data.path, not passed over', async () => {
  const { dir, input } = await folderExperiment();
  mkdirSync(path.join(dir, 'images'));
  writeFileSync(path.join(dir, 'images', 'train'), 'not a folder');
  const got = await input();
  assert.equal(got.nc, undefined);
  assert.equal(got.notes.length, 1);
  const [note] = got.notes;
  assert.equal(note.severity, 'warning');
  assert.equal(note.line, 4, 'the line of data.path');
  assert.match(note.message, /images[\\/]train/);
  assert.match(note.message, /ENOTDIR/);
  assert.match(note.message, /model file's own class count/);
});
