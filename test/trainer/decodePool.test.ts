// The decoding threads' pool at its end: close() keeps the process alive until every thread has
// exited, even when a batch's reply is on its way as it closes (the trainer once exited with code 0
// here, without its final run.json, after a SIGTERM stop left a prefetched batch decoding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

test('close() while a reply is on its way: the batch fails as closed, close() resolves before the process may exit', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-pool-'));
  try {
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'support', 'closeDuringReply.js')], {
      env: { ...process.env, TL_REPLIED: path.join(dir, 'replied') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'batch: the image decoding threads were closed\nclosed\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
