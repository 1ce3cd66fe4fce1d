// The frozen-prefix cache folder shared by runs: a freeze sweep whose runs cache the same prefix
// computes it once, two runs started together build it once (one waits for the other), and a
// builder killed with SIGKILL mid-write leaves nothing that is used: the next run takes over its
// lock, drops its partial file and builds again; an altered file is detected and rebuilt. A run
// asked to stop while it waits for another run's build ends as stopped, at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { writeExperiment } from '../support/trainerFixtures';
import { cliEnv, ROOT, runCli, startCli, TRAINER } from '../support/trainerCli';

const DIGITS_MODEL = path.join(ROOT, 'examples', 'digits', 'model.yaml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-prefixshared-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function experiment(dir: string, data: string): string {
  return writeExperiment(dir, 'd.experiment.yaml', { data, epochs: 1, imgsz: 28, batch: 32, freeze: '6', model: DIGITS_MODEL });
}
const SMALL = '{ source: mnist, classes: [0, 1], limit: 64, valFraction: 0.05 }';
const log = (dir: string, run: string): string => readFileSync(path.join(dir, 'runs', run, 'train.log'), 'utf8');
const record = (dir: string, run: string): RunRecord =>
  JSON.parse(readFileSync(path.join(dir, 'runs', run, 'run.json'), 'utf8')) as RunRecord;
const builds = (text: string): number => (text.match(/cached the frozen prefix's outputs .*\(built/g) ?? []).length;
const reuses = (text: string): number => (text.match(/cached the frozen prefix's outputs .*\(reused/g) ?? []).length;
const cacheDirs = (dir: string): string[] => readdirSync(path.join(dir, 'runs', '.cache', 'prefix'));

test('a freeze sweep whose runs cache the same prefix (freeze 6 and 7 of the digits model) computes it once', () => {
  const dir = path.join(tmp, 'sweep');
  const exp = experiment(dir, SMALL);
  const r = spawnSync(process.execPath, [TRAINER, 'sweep', exp, '--freeze', '6', '--freeze', '7', '--name', 's', '--engine', 'wasm'], {
    cwd: dir,
    env: cliEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const [first, second] = [log(dir, 's-freeze-6'), log(dir, 's-freeze-7')];
  assert.equal(builds(first) + builds(second), 1, 'one build in the sweep');
  assert.equal(builds(first), 1);
  assert.equal(reuses(second), 1, `the second run reuses it:\n${second}`);
  assert.match(record(dir, 's-freeze-7').cache?.reason ?? '', /\(reused: [\d.]+ MB of float32 in .*\.cache\/prefix\//);
  assert.equal(cacheDirs(dir).length, 1);
});

test('two runs started together build the cache once: one builds, the other waits for it or reuses it', async () => {
  const dir = path.join(tmp, 'together');
  const exp = experiment(dir, '{ source: mnist, classes: [0, 1, 2, 3], limit: 1500, valFraction: 0.1 }');
  const runs = ['a', 'b'].map((name) =>
    startCli(['train', exp, '--name', name, '--json', '--engine', 'wasm', '--epochs', '1'], { cwd: dir }),
  );
  const exits = await Promise.all(runs.map((r) => r.exit));
  exits.forEach((e) => assert.equal(e.code, 0, e.stderr.slice(-2000)));
  const logs = [log(dir, 'a'), log(dir, 'b')];
  assert.equal(builds(logs.join('\n')), 1, logs.join('\n'));
  assert.equal(reuses(logs.join('\n')), 1);
  assert.equal(cacheDirs(dir).length, 1);
});

test('a builder killed with SIGKILL mid-write: its partial file is never used, the next run rebuilds; so is an altered file', async () => {
  const dir = path.join(tmp, 'killed');
  // Enough digits that writing the cache takes a while; spilled (float16), as a large set would be.
  const exp = experiment(dir, '{ source: mnist, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], valFraction: 0.1 }');
  const env = { TRANSFER_LAB_CACHE_MEMORY_MB: '0' };
  const victim = startCli(['train', exp, '--name', 'victim', '--json', '--engine', 'wasm', '--epochs', '1'], { cwd: dir, env });
  const root = path.join(dir, 'runs', '.cache', 'prefix');
  const partial = (): string | undefined => {
    for (const d of existsSync(root) ? readdirSync(root) : [])
      for (const f of readdirSync(path.join(root, d)))
        if (f.startsWith('.train.bin.') && f.endsWith('.tmp') && statSync(path.join(root, d, f)).size > 100_000)
          return path.join(root, d, f);
    return undefined;
  };
  const deadline = Date.now() + 90_000;
  let tmpFile: string | undefined;
  while (!(tmpFile = partial()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(tmpFile, 'the builder never got to writing');
  victim.child.kill('SIGKILL');
  assert.equal((await victim.exit).signal, 'SIGKILL');
  const cache = path.dirname(tmpFile);
  assert.equal(existsSync(path.join(cache, 'train.bin')), false, 'killed mid-write: no finished file');
  assert.ok(existsSync(path.join(cache, 'lock')), "the dead builder's lock is still there");

  const next = runCli(['train', exp, '--name', 'next', '--json', '--engine', 'wasm', '--epochs', '1'], {
    cwd: dir,
    env,
    timeoutMs: 180_000,
  });
  assert.equal(next.code, 0, next.stderr.slice(-2000));
  assert.equal(builds(log(dir, 'next')), 1, log(dir, 'next'));
  assert.match(log(dir, 'next'), /built, spilled: [\d.]+ MB of float16/);
  assert.deepEqual(readdirSync(cache).sort(), ['key.json', 'train.bin', 'used', 'val.bin'], 'no partial file, no lock left');

  const file = path.join(cache, 'train.bin');
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(file, bytes);
  const again = runCli(['train', exp, '--name', 'again', '--json', '--engine', 'wasm', '--epochs', '1'], {
    cwd: dir,
    env,
    timeoutMs: 180_000,
  });
  assert.equal(again.code, 0, again.stderr.slice(-2000));
  assert.match(log(dir, 'again'), /is not usable \(train\.bin: checksum mismatch \(altered or torn\)\): rebuilding it/);
  assert.equal(builds(log(dir, 'again')), 1);
  assert.equal(reuses(log(dir, 'again')), 0);
});

test("a run asked to stop while waiting for another run's build ends as stopped, without waiting for the build", async () => {
  const dir = path.join(tmp, 'waiting');
  const exp = experiment(dir, SMALL);
  const first = runCli(['train', exp, '--name', 'first', '--json', '--engine', 'wasm'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr.slice(-2000));
  // The cache as a live builder (this sleeping process) would leave it: its lock, no finished file yet.
  const cache = path.join(dir, 'runs', '.cache', 'prefix', cacheDirs(dir)[0]);
  rmSync(path.join(cache, 'train.bin'));
  const builder = spawn('sleep', ['300']);
  try {
    writeFileSync(path.join(cache, 'lock'), JSON.stringify({ pid: builder.pid }));
    const run = startCli(['train', exp, '--name', 'waiter', '--json', '--engine', 'wasm'], { cwd: dir });
    await run.waitFor((e) => e.type === 'log' && /is being built by pid \d+: waiting for it/.test(e.message), 60_000);
    run.child.kill('SIGTERM');
    // Without the stop it would wait for the (sleeping) builder: bounded here, then killed.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), 60_000)));
    const exit = await Promise.race([run.exit, late]);
    clearTimeout(timer);
    if (exit === 'still waiting') run.child.kill('SIGKILL');
    assert.ok(exit !== 'still waiting', 'the stop request did not end the wait');
    assert.equal(exit.code, 0, exit.stderr.slice(-2000));
    assert.equal(record(dir, 'waiter').status, 'stopped');
    assert.match(log(dir, 'waiter'), /stopped while waiting for pid \d+ to build the frozen-prefix cache/);
    assert.match(log(dir, 'waiter'), /stopped after 0 epoch\(s\); no weights saved/);
    assert.deepEqual(run.events[run.events.length - 1], { type: 'end', run: 'waiter', status: 'stopped' });
    assert.ok(existsSync(path.join(cache, 'lock')), "the builder's lock is left to the builder");
  } finally {
    builder.kill();
  }
});
