// The thread count is chosen from the step the run will really take: when the frozen prefix could
// be cached but the run does not cache it (here: over the cache's limits), the step is the whole
// model's, as with --no-cache, not the head's (which left an uncached backbone on one thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { writeExperiment } from '../support/trainerFixtures';
import { ROOT, runCli } from '../support/trainerCli';

const DIGITS_MODEL = path.join(ROOT, 'examples', 'digits', 'model.yaml');
const DATA = '{ source: mnist, classes: [0, 1], limit: 64, valFraction: 0.05 }';

function run(dir: string, args: string[], env: NodeJS.ProcessEnv): { rec: RunRecord; threads: string } {
  const exp = writeExperiment(dir, 'd.experiment.yaml', { data: DATA, epochs: 1, imgsz: 28, batch: 32, freeze: '6', model: DIGITS_MODEL });
  const r = runCli(['train', exp, '--json', '--engine', 'wasm', '--name', 'r', ...args], {
    env: { TRANSFER_LAB_WASM_THREADS: 'auto', TRANSFER_LAB_CPUS: '2', ...env },
  });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const runDir = path.join(dir, 'runs', 'r');
  const log = readFileSync(path.join(runDir, 'train.log'), 'utf8');
  const threads = /wasm threads: .*/.exec(log)?.[0] ?? '';
  return { rec: JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord, threads };
}

test('a run whose frozen prefix is not cached (over the limits) chooses threads for the uncached step', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-cachethreads-'));
  try {
    const over = run(path.join(tmp, 'over'), [], { TRANSFER_LAB_CACHE_MEMORY_MB: '0', TRANSFER_LAB_CACHE_DISK_MB: '0' });
    const off = run(path.join(tmp, 'off'), ['--no-cache'], {});
    const cached = run(path.join(tmp, 'cached'), [], {});
    assert.equal(over.rec.cache?.used, false);
    assert.match(over.rec.cache?.reason ?? '', /over the cache folder's 0 MB/);
    assert.equal(cached.rec.cache?.used, true);
    const cost = (line: string): string => /a step is ([\d.]+ MFLOP)/.exec(line)?.[1] ?? `no step cost in "${line}"`;
    assert.equal(cost(over.threads), cost(off.threads), 'not cached: the same step as with --no-cache');
    assert.notEqual(cost(over.threads), cost(cached.threads), 'the cached step is smaller');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
