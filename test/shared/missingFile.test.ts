import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isMissing, unlessMissing } from '../../src/shared/system/missingFile';

test('a path that does not exist gives the fallback', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-missing-'));
  try {
    assert.equal(await unlessMissing(readFile(path.join(dir, 'nope.txt'), 'utf8'), ''), '');
    assert.deepEqual(await unlessMissing(readdir(path.join(dir, 'no-folder')), []), []);
    assert.equal(await unlessMissing(Promise.resolve('there'), ''), 'there');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('any other failure is not read as "absent"', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-missing-'));
  try {
    // A folder where a file is read: EISDIR, a problem the user has to hear about.
    await assert.rejects(unlessMissing(readFile(dir, 'utf8'), ''), (e: NodeJS.ErrnoException) => e.code === 'EISDIR');
    await assert.rejects(unlessMissing(Promise.reject(new Error('disk on fire')), ''), /disk on fire/);
    assert.equal(isMissing(Object.assign(new Error('x'), { code: 'EACCES' })), false);
    assert.equal(isMissing('ENOENT'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
