// The streamed image-folder loader: the same numbers, in the same seeded order, as decoding every
// image into memory the way the trainer always did; unreadable files found while streaming left out
// and listed once (or failing the run when strict); decoding ahead bounded by the prefetch depth, so
// the decoded bytes held do not grow with the number of files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataError } from '../../src/trainer/data/dataset';
import { decodeFiles, decodeImage, toInput } from '../../src/trainer/data/decodeImage';
import { openImageFolder, loadImageFolder } from '../../src/trainer/data/imageFolder';
import { indexImageFolder } from '../../src/trainer/data/imageIndex';
import type { SampleBatch, SampleSource } from '../../src/trainer/data/sampleSource';
import { StreamedImageSource } from '../../src/trainer/data/streamedSource';
import { permutation, seededRandom } from '../../src/trainer/random';
import { writeImageFolder } from '../support/trainerFixtures';

function tempFolder(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tl-stream-'));
}

/** The trainer's in-memory loader as it was before streaming: every file decoded, then permuted. */
function decodeAllThenPermute(root: string, split: 'train' | 'val', size: number, channels: 1 | 3, seed: number): Float32Array[] {
  const dir = path.join(root, split);
  const images: Float32Array[] = [];
  for (const cls of readdirSync(dir).sort())
    for (const f of readdirSync(path.join(dir, cls)).sort())
      images.push(toInput(decodeImage(readFileSync(path.join(dir, cls, f))), size, channels));
  return permutation(images.length, seededRandom(seed + (split === 'train' ? 1 : 2))).map((i) => images[i]);
}

async function collect(source: SampleSource, order: ArrayLike<number>, batch: number): Promise<SampleBatch[]> {
  const out: SampleBatch[] = [];
  for await (const b of source.batches(order, batch)) out.push(b);
  return out;
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), what);
}

const noSkips = (file: string, reason: string): void => assert.fail(`${file} skipped: ${reason}`);

test('streamed batches (decoding threads) hold exactly the rows of decoding everything in memory, for the same seed', async () => {
  const root = tempFolder();
  const data = { source: 'folder' as const, path: root };
  // 12 px images resized to 8 (bilinear), a JPEG per class, three classes.
  writeImageFolder(root, { classes: ['cat', 'ant', 'bee'], perClass: 7, size: 12, jpeg: true, valPerClass: 3 });
  try {
    for (const channels of [3, 1] as const) {
      const want = decodeAllThenPermute(root, 'train', 8, channels, 4);
      const wantVal = decodeAllThenPermute(root, 'val', 8, channels, 4);
      const d = openImageFolder(data, 8, channels, 4, { threads: 2, batch: 4, onSkip: noSkips });
      try {
        assert.equal(d.train.count, want.length);
        const order = permutation(d.train.count, seededRandom(99));
        const batches = await collect(d.train, order, 4);
        assert.deepEqual(
          batches.map((b) => b.labels.length),
          [4, 4, 4, 4, 4, 1],
        );
        assert.deepEqual(
          batches.flatMap((b) => [...b.indices]),
          order,
          'batches follow the order asked for',
        );
        const px = 8 * 8 * channels;
        for (const b of batches)
          b.indices.forEach((s, i) => sameBits(b.inputs[0].subarray(i * px, (i + 1) * px), want[s], `${channels} channel(s): sample ${s}`));
        const val = await collect(d.val, [...Array(d.val.count).keys()], 64);
        wantVal.forEach((row, s) => sameBits(val[0].inputs[0].subarray(s * px, (s + 1) * px), row, `val sample ${s}`));
        // The in-memory loader (built on the same index) agrees row for row, labels included.
        const mem = loadImageFolder(data, 8, channels, 4);
        want.forEach((row, s) => sameBits(mem.train.x.subarray(s * px, (s + 1) * px), row, `in-memory row ${s}`));
        assert.deepEqual([...mem.train.y], [...d.train.labels]);
      } finally {
        await d.close();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a corrupt file found while streaming: left out of its batch and of later passes, listed once; strict fails naming it', async () => {
  const root = tempFolder();
  writeImageFolder(root, { classes: ['a', 'b'], perClass: 5, size: 8, valPerClass: 2 });
  writeFileSync(path.join(root, 'train', 'b', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really'));
  try {
    const skipped: string[] = [];
    const broken = indexImageFolder(root, 1).train.files.findIndex((f) => f.endsWith('broken.png'));
    const d = openImageFolder({ source: 'folder', path: root }, 8, 3, 1, {
      threads: 1,
      batch: 4,
      onSkip: (f, why) => skipped.push(`${f}: ${why}`),
    });
    try {
      assert.equal(d.train.count, 11, 'the index lists every file; what cannot be read shows when it is decoded');
      assert.ok(broken >= 0);
      const order = [...Array(11).keys()];
      const first = await collect(d.train, order, 4);
      assert.deepEqual(
        first.map((b) => b.labels.length),
        [0, 1, 2].map((k) => Math.min(4, 11 - 4 * k) - (Math.floor(broken / 4) === k ? 1 : 0)),
        'only the batch that held the broken file is shorter',
      );
      assert.ok(first.every((b) => !b.indices.includes(broken)));
      assert.equal(skipped.length, 1);
      assert.match(skipped[0], /broken\.png: /);
      const second = await collect(d.train, order, 4);
      assert.deepEqual(
        second.map((b) => b.labels.length),
        [4, 4, 2],
        'a later pass leaves it out before cutting batches',
      );
      assert.equal(skipped.length, 1, 'listed once');
      assert.deepEqual(
        d.skipped.map((s) => path.basename(s.file)),
        ['broken.png'],
      );
    } finally {
      await d.close();
    }
    const strict = openImageFolder({ source: 'folder', path: root, strict: true }, 8, 3, 1, { threads: 1, batch: 4, onSkip: noSkips });
    try {
      await assert.rejects(
        collect(strict.train, [...Array(11).keys()], 4),
        (e: Error) => e instanceof DataError && /corrupt image .*broken\.png/.test(e.message) && /strict/.test(e.message),
      );
    } finally {
      await strict.close();
    }
    // Found in a batch decoded ahead while an earlier one is still being trained on: the error comes
    // out of the pass (no unhandled rejection in between).
    const late = openImageFolder({ source: 'folder', path: root, strict: true }, 8, 3, 1, { threads: 1, batch: 2, onSkip: noSkips });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): number => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const order = [...[...Array(11).keys()].filter((i) => i !== broken), broken];
      await assert.rejects(async () => {
        for await (const b of late.train.batches(order, 2)) {
          assert.ok(b.labels.length > 0);
          await new Promise((resolve) => setTimeout(resolve, 30)); // a slow step
        }
      }, /corrupt image .*broken\.png/);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await late.close();
    }
    // A class whose every file is unreadable fails the run, naming the folder.
    for (const f of readdirSync(path.join(root, 'val', 'a'))) writeFileSync(path.join(root, 'val', 'a', f), 'garbage');
    const dead = openImageFolder({ source: 'folder', path: root }, 8, 3, 1, { threads: 1, batch: 4, onSkip: () => undefined });
    try {
      await assert.rejects(collect(dead.val, [0, 1, 2, 3], 4), /class folder .*val[/\\]a has no readable images \(2 corrupt\)/);
    } finally {
      await dead.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Reads a whole pass slowly, counting what the source decoded ahead of what it handed out. */
async function decodedAhead(files: number, depth: number, batch: number): Promise<{ batches: number; most: number; mostBytes: number }> {
  const root = tempFolder();
  try {
    writeImageFolder(root, { classes: ['a', 'b'], perClass: files / 2, size: 8, valPerClass: 1 });
    const index = indexImageFolder(root, 3).train;
    let started = 0;
    let received = 0;
    let decodedBytes = 0;
    let consumedBytes = 0;
    let most = 0;
    let mostBytes = 0;
    const source = new StreamedImageSource({
      index,
      imgsz: 8,
      channels: 3,
      strict: false,
      depth,
      onSkip: noSkips,
      decode: async (list, size, channels) => {
        started++;
        await new Promise((resolve) => setImmediate(resolve));
        const r = decodeFiles(list, size, channels);
        decodedBytes += r.rows.byteLength;
        return r;
      },
    });
    for await (const b of source.batches([...Array(source.count).keys()], batch)) {
      received++;
      consumedBytes += b.inputs[0].byteLength;
      // A slow training step: the decoder gets every chance to run further ahead.
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        most = Math.max(most, started - received);
        mostBytes = Math.max(mostBytes, decodedBytes - consumedBytes);
      }
    }
    return { batches: received, most, mostBytes };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('prefetch: never more than the depth of batches decoded ahead, and the bytes held ahead do not grow with the files', async () => {
  const small = await decodedAhead(24, 2, 4);
  const large = await decodedAhead(240, 2, 4);
  assert.equal(small.batches, 6);
  assert.equal(large.batches, 60);
  assert.equal(small.most, 2, 'decodes ahead, up to the depth');
  assert.equal(large.most, 2);
  assert.equal(large.mostBytes, 2 * 4 * 8 * 8 * 3 * 4, 'two batches of float rows, however many files');
  assert.equal(small.mostBytes, large.mostBytes);
});
