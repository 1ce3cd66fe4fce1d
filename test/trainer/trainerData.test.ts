// Data loaders: MNIST subset/limit/split determinism, image folders with PNG and JPEG, corrupt files,
// and the errors a user sees for a badly laid out folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadMnist } from '../../src/trainer/data/mnist';
import { loadImageFolder } from '../../src/trainer/data/imageFolder';
import { DataError } from '../../src/trainer/data/dataset';
import { writeImageFolder, writePng } from '../support/trainerFixtures';

test('mnist: class subset re-indexed, label limit balanced, deterministic for a seed', () => {
  const a = loadMnist({ source: 'mnist', classes: [7, 3], limit: 40, valFraction: 0.1 }, 28, 5);
  const b = loadMnist({ source: 'mnist', classes: [7, 3], limit: 40, valFraction: 0.1 }, 28, 5);
  const c = loadMnist({ source: 'mnist', classes: [7, 3], limit: 40, valFraction: 0.1 }, 28, 6);
  assert.deepEqual(a.classes, ['7', '3']);
  assert.equal(a.train.count, 40);
  assert.equal([...a.train.y].filter((l) => l === 0).length, 20);
  assert.equal([...a.train.y].filter((l) => l === 1).length, 20);
  assert.ok([...a.val.y].every((l) => l === 0 || l === 1));
  assert.ok(a.val.count > 150 && a.val.count < 250, `val count ${a.val.count}`); // ~10% of ~2,000 digits
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.train.y, b.train.y);
  assert.notDeepEqual(a.train.x, c.train.x);
  const max = a.train.x.reduce((m, v) => Math.max(m, v), 0);
  assert.ok(max > 0.9 && max <= 1, `pixels scaled to [0, 1], max ${max}`);
});

test('mnist: train and val never share an image', () => {
  const d = loadMnist({ source: 'mnist', classes: [0, 1], valFraction: 0.5 }, 28, 1);
  const key = (x: Float32Array, i: number): string => Array.from(x.subarray(i * 784, (i + 1) * 784)).join(',');
  const train = new Set(Array.from({ length: d.train.count }, (_, i) => key(d.train.x, i)));
  let shared = 0;
  for (let i = 0; i < d.val.count; i++) if (train.has(key(d.val.x, i))) shared++;
  // MNIST holds a few exact duplicates; more than a handful would mean overlapping splits.
  assert.ok(shared <= 3, `${shared} val images also in train`);
  assert.equal(loadMnist({ source: 'mnist', classes: [0, 1] }, 14, 1).train.x.length % (14 * 14), 0);
});

test('mnist: bad specs give specific messages', () => {
  assert.throws(() => loadMnist({ source: 'mnist', classes: [3] }, 28, 1), /at least 2/);
  assert.throws(() => loadMnist({ source: 'mnist', classes: [3, 12] }, 28, 1), /12 is not a digit/);
  assert.throws(() => loadMnist({ source: 'mnist', classes: [3, 3] }, 28, 1), /digit 3 twice/);
  assert.throws(() => loadMnist({ source: 'mnist', classes: [3, 4], limit: 1 }, 28, 1), /limit 1 is too small/);
});

test('image folder: PNG and JPEG decoded, resized, labelled by sorted class folder; corrupt files skipped and counted', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tl-data-'));
  try {
    writeImageFolder(root, { classes: ['cat', 'ant'], perClass: 3, size: 12, jpeg: true });
    writeFileSync(path.join(root, 'train', 'cat', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    writeFileSync(path.join(root, 'train', 'ant', 'notes.txt'), 'ignored: not an image');
    const d = loadImageFolder({ source: 'folder', path: root }, 8, 3, 1);
    assert.deepEqual(d.classes, ['ant', 'cat']);
    assert.deepEqual(d.imageShape, [8, 8, 3]);
    assert.equal(d.train.count, 6);
    assert.equal(d.val.count, 6);
    assert.equal(d.skipped.length, 1);
    assert.match(d.skipped[0].file, /broken\.png$/);
    assert.match(d.description, /1 corrupt file\(s\) skipped/);
    // The fixture paints class i with a distinct colour: labels must follow it.
    for (let i = 0; i < d.train.count; i++) {
      const red = d.train.x[i * 8 * 8 * 3];
      assert.equal(d.train.y[i], red > 0.5 ? 1 : 0, `image ${i} red ${red}`);
    }
    assert.throws(
      () => loadImageFolder({ source: 'folder', path: root, strict: true }, 8, 3, 1),
      (e: Error) => e instanceof DataError && /corrupt image .*broken\.png/.test(e.message) && /strict/.test(e.message),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('image folder: empty class folder, single class, mismatched val folders, missing folders', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tl-data-'));
  try {
    assert.throws(() => loadImageFolder({ source: 'folder', path: path.join(root, 'nope') }, 8, 3, 1), /data folder .*nope does not exist/);
    writeImageFolder(root, { classes: ['a', 'b'], perClass: 2, size: 8 });
    mkdirSync(path.join(root, 'train', 'c'));
    mkdirSync(path.join(root, 'val', 'c'));
    writePng(path.join(root, 'val', 'c', 'x.png'), 8, [0, 0, 255]);
    assert.throws(() => loadImageFolder({ source: 'folder', path: root }, 8, 3, 1), /class folder .*train[/\\]c has no PNG or JPEG images/);
    rmSync(path.join(root, 'train', 'c'), { recursive: true });
    assert.throws(() => loadImageFolder({ source: 'folder', path: root }, 8, 3, 1), /only in val\/: c/);
    rmSync(path.join(root, 'val', 'c'), { recursive: true });
    rmSync(path.join(root, 'train', 'b'), { recursive: true });
    rmSync(path.join(root, 'val', 'b'), { recursive: true });
    assert.throws(() => loadImageFolder({ source: 'folder', path: root }, 8, 3, 1), /only one class folder \(a\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
