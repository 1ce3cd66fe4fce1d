// The safety net under a run's end: a process whose event loop empties while the run is still
// pending records the failure and exits 1 instead of exiting 0 with run.json still `running`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { UNSETTLED_EXIT_MESSAGE } from '../../src/trainer/run/unsettledExit';

const MODULE = path.join(__dirname, '..', '..', 'src', 'trainer', 'run', 'unsettledExit.js');

/** A process that arms the net, then waits on `body` (a promise expression); prints what it records. */
function run(body: string, disarmAfter: boolean): { status: number | null; stdout: string } {
  const script = `
    const { failOnUnsettledExit } = require(${JSON.stringify(MODULE)});
    const disarm = failOnUnsettledExit((err) => { process.stdout.write('failed: ' + err.message); return 1; });
    (async () => { await (${body}); ${disarmAfter ? 'disarm();' : ''} process.stdout.write('settled'); })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout };
}

test('a run waiting on a promise nothing will settle: recorded as failed, exit code 1', () => {
  const r = run('new Promise(() => undefined)', true);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, `failed: ${UNSETTLED_EXIT_MESSAGE}`);
});

test('a run that settles and disarms the net: exits as it chose, nothing recorded', () => {
  const r = run('new Promise((resolve) => setTimeout(resolve, 10))', true);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'settled');
});
