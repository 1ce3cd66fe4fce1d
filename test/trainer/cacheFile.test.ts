// The frozen-prefix cache file and its reader: what is written is read back by sample index (float32
// exactly, float16 within half a unit in the last place), a torn or altered file is refused when
// opened, and a lock left by a dead builder is taken over.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheDtype, CacheFileWriter, verifyCacheFile } from '../../src/trainer/cache/cacheFile';
import { CacheFileSource } from '../../src/trainer/cache/cacheSource';
import { acquireLock, releaseLock } from '../../src/trainer/cache/cacheLock';

const SHAPES = [[2, 3], [4]];
const COUNT = 37;
// Sample i, output k, value j: distinct, and exact in float16 for the float32 comparison too.
const value = (i: number, k: number, j: number): number => i * 0.25 + k * 8 + j * 0.125 - 4;

function writeFile(dir: string, dtype: CacheDtype, count = COUNT): string {
  const file = path.join(dir, `c-${dtype}.bin`);
  const w = new CacheFileWriter(file, { dtype, count, shapes: SHAPES });
  for (let start = 0; start < count; start += 10) {
    const n = Math.min(10, count - start);
    const outs = [6, 4].map((size, k) =>
      Float32Array.from({ length: n * size }, (_, x) => value(start + Math.floor(x / size), k, x % size)),
    );
    w.append(outs, n);
  }
  w.finish();
  return file;
}

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-cachefile-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

for (const dtype of ['f32', 'f16'] as const) {
  test(
    `a ${dtype} cache file reads back every sample by index, in shuffled batches`,
    withDir(async (dir) => {
      const file = writeFile(dir, dtype);
      assert.deepEqual(readdirSync(dir), [path.basename(file)]); // the temporary file was renamed
      const v = verifyCacheFile(file, { count: COUNT, shapes: SHAPES });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      const labels = Int32Array.from({ length: COUNT }, (_, i) => i % 5);
      const src = await CacheFileSource.open(file, v.layout, labels);
      const order = Array.from({ length: COUNT }, (_, i) => (i * 17) % COUNT);
      const seen: number[] = [];
      for await (const b of src.batches(order, 8)) {
        assert.equal(b.inputs.length, 2);
        b.indices.forEach((idx, i) => {
          seen.push(idx);
          assert.equal(b.labels[i], idx % 5);
          for (let j = 0; j < 6; j++) assert.equal(b.inputs[0][i * 6 + j], value(idx, 0, j));
          for (let j = 0; j < 4; j++) assert.equal(b.inputs[1][i * 4 + j], value(idx, 1, j));
        });
      }
      assert.deepEqual(seen, order);
      await src.close();
    }),
  );
}

for (const dtype of ['f32', 'f16'] as const) {
  test(
    `${dtype}: rows go by sample index; samples the images left out are listed, NaN rows, never read`,
    withDir(async (dir) => {
      const file = path.join(dir, 'gaps.bin');
      const w = new CacheFileWriter(file, { dtype, count: 10, shapes: SHAPES });
      // As the image source hands batches in index order: 0 and 3 unreadable (one within a batch), 8–9 at the end.
      for (const idx of [
        [1, 2, 4],
        [5, 6, 7],
      ]) {
        const outs = [6, 4].map((size, k) =>
          Float32Array.from({ length: idx.length * size }, (_, x) => value(idx[Math.floor(x / size)], k, x % size)),
        );
        w.put(outs, idx);
      }
      assert.throws(() => w.put([new Float32Array(6), new Float32Array(4)], [7]), /out of order/);
      w.leaveOut();
      w.finish();
      assert.deepEqual(Array.from(w.layout.missing), [0, 3, 8, 9]);
      const v = verifyCacheFile(file, { count: 10, shapes: SHAPES });
      assert.ok(v.ok, v.ok ? '' : v.reason);
      assert.deepEqual(Array.from(v.layout.missing), [0, 3, 8, 9]);
      const raw = readFileSync(file);
      const rowBytes = v.layout.rowBytes;
      const row0 = raw.subarray(v.layout.dataOffset, v.layout.dataOffset + rowBytes);
      assert.ok(dtype === 'f32' ? Number.isNaN(row0.readFloatLE(0)) : (row0.readUInt16LE(0) & 0x7fff) > 0x7c00, 'a missing row is NaN');
      const src = await CacheFileSource.open(
        file,
        v.layout,
        Int32Array.from({ length: 10 }, (_, i) => i % 3),
      );
      const seen: number[] = [];
      for await (const b of src.batches([9, 3, 7, 0, 1, 8, 2, 4, 5, 6], 3)) {
        b.indices.forEach((idx, i) => {
          seen.push(idx);
          assert.equal(b.labels[i], idx % 3);
          for (let j = 0; j < 6; j++) assert.equal(b.inputs[0][i * 6 + j], value(idx, 0, j));
          for (let j = 0; j < 4; j++) assert.equal(b.inputs[1][i * 4 + j], value(idx, 1, j));
        });
      }
      assert.deepEqual(seen, [7, 1, 2, 4, 5, 6]);
      await assert.rejects(src.read([3]), /sample 3 has no cached outputs/);
      await src.close();
    }),
  );
}

test(
  'a truncated, altered, trailer-less or differently shaped file is refused with the reason',
  withDir((dir) => {
    const expect = { count: COUNT, shapes: SHAPES };
    const file = writeFile(dir, 'f16');
    const bytes = readFileSync(file);
    truncateSync(file, bytes.length - 1);
    assert.match((verifyCacheFile(file, expect) as { reason: string }).reason, /torn or partial/);
    writeFileSync(file, bytes.subarray(0, 200));
    assert.equal(verifyCacheFile(file, expect).ok, false);
    const flipped = Buffer.from(bytes);
    flipped[300] ^= 1;
    writeFileSync(file, flipped);
    assert.match((verifyCacheFile(file, expect) as { reason: string }).reason, /checksum/);
    const noTrailer = Buffer.from(bytes);
    noTrailer.fill(0, bytes.length - 48);
    writeFileSync(file, noTrailer);
    assert.match((verifyCacheFile(file, expect) as { reason: string }).reason, /trailer/);
    writeFileSync(file, bytes);
    assert.ok(verifyCacheFile(file, expect).ok);
    assert.match((verifyCacheFile(file, { count: COUNT + 1, shapes: SHAPES }) as { reason: string }).reason, /holds 37 samples/);
    assert.equal(verifyCacheFile(path.join(dir, 'missing.bin'), expect).ok, false);
  }),
);

test(
  'an unfinished writer leaves only its temporary file, and abort removes it',
  withDir((dir) => {
    const file = path.join(dir, 'c.bin');
    const w = new CacheFileWriter(file, { dtype: 'f16', count: 4, shapes: [[3]] });
    w.append([new Float32Array(6)], 2);
    assert.equal(existsSync(file), false);
    assert.ok(existsSync(w.temp));
    assert.throws(() => w.finish(), /2 samples written, 4 announced/);
    w.abort();
    assert.equal(existsSync(w.temp), false);
  }),
);

test(
  "a dead builder's lock is taken over; a live one's is waited for",
  withDir(async (dir) => {
    const lock = path.join(dir, 'lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), startTime: '1' }));
    let waited = false;
    assert.equal(await acquireLock(lock, { onWait: () => (waited = true), done: () => false, pollMs: 10 }), true);
    assert.equal(waited, false);
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
    // Held by a live process (this one, as another run would see it): wait until its work is done.
    let polls = 0;
    const other = acquireLock(lock, { onWait: () => (waited = true), done: () => ++polls > 3, pollMs: 10 });
    assert.equal(await other, false);
    assert.ok(waited);
    releaseLock(lock);
    assert.equal(existsSync(lock), false);
  }),
);
