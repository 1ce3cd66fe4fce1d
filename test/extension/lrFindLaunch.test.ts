// How the host starts `lr-find` and reads what it said: the arguments (no shell), the events from
// its stdout, and the outcome from the last event and the exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrFindArgs, lrFindOutcome, startLrFind } from '../../src/extension/lrFind/lrFindLaunch';
import type { LrFindEvent } from '../../src/shared/lrFind/contract';

const settings = { engine: 'auto', nodePath: '', cudaVisibleDevices: '' };

test('arguments: --json into the experiment runs folder, engine and steps when set', () => {
  assert.deepEqual(lrFindArgs({ trainerScript: '/x/trainer.js', experiment: '/w/e.yaml', runsDir: '/w/runs' }, settings), [
    '/x/trainer.js',
    'lr-find',
    '/w/e.yaml',
    '--json',
    '--runs-dir',
    '/w/runs',
    '--allow-unknown-keys',
  ]);
  assert.deepEqual(
    lrFindArgs(
      { trainerScript: 't', experiment: 'e', runsDir: 'r', freeze: [0, 'model.3.bn'], steps: 20 },
      { ...settings, engine: 'torch' },
    ).slice(7),
    ['--freeze', '[0,"model.3.bn"]', '--steps', '20', '--engine', 'torch'],
  );
});

test('outcome: the result file, a stop, or the error to show', () => {
  const exit = { code: 0, signal: null };
  assert.deepEqual(lrFindOutcome({ type: 'lrFindDone', status: 'finished', file: '/r/x.json' }, exit, []), {
    status: 'finished',
    file: '/r/x.json',
  });
  assert.deepEqual(lrFindOutcome({ type: 'lrFindDone', status: 'stopped' }, exit, []), { status: 'stopped' });
  assert.deepEqual(lrFindOutcome(undefined, { code: null, signal: 'SIGTERM' }, []), { status: 'stopped' });
  assert.deepEqual(lrFindOutcome({ type: 'lrFindDone', status: 'failed', error: 'no data' }, { code: 1, signal: null }, []), {
    status: 'failed',
    error: 'no data',
  });
  // A usage error prints no event: its stderr is the message.
  assert.deepEqual(lrFindOutcome(undefined, { code: 2, signal: null }, ['error: --steps must be at least 2']), {
    status: 'failed',
    error: 'error: --steps must be at least 2',
  });
  assert.deepEqual(lrFindOutcome(undefined, { code: null, signal: 'SIGKILL' }, []), {
    status: 'failed',
    error: 'the LR finder exited with signal SIGKILL and no result',
  });
});

test('a real process: events from stdout, text and stderr kept apart', async () => {
  const script = [
    'console.log("a library notice");',
    'console.log(JSON.stringify({type:"lrFindStep",step:1,steps:2,lr:1e-7,loss:2,smoothed:2}));',
    'console.error("a warning");',
    'console.log(JSON.stringify({type:"lrFindDone",status:"finished",file:"/r/.lr-find/x.json"}));',
  ].join('');
  const seen: LrFindEvent[] = [];
  const p = startLrFind({ command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: process.env }, (e) => seen.push(e));
  assert.ok(p.pid! > 0);
  assert.deepEqual(await p.done, { status: 'finished', file: '/r/.lr-find/x.json' });
  assert.deepEqual(
    seen.map((e) => e.type),
    ['lrFindStep', 'lrFindDone'],
  );
});
