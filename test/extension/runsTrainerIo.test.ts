// How the trainer is started and read: arguments, environment, runtime lookup, the stdout event
// stream (on a real child process), and the ETA from what it reports.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEnginesJson } from '../../src/extension/runs/enginesReport';
import { estimateSecondsLeft, formatDuration } from '../../src/extension/runs/eta';
import { LineSplitter, parseTrainerLine } from '../../src/extension/runs/progressLines';
import { findOnPath, resolveNodeRuntime, RuntimeError, trainArgs, trainerEnv } from '../../src/extension/runs/trainerCommand';
import { TrainerExit, TrainerProcess } from '../../src/extension/runs/trainerProcess';
import type { ProgressEvent } from '../../src/shared/runFolder/contract';

const settings = { engine: 'auto', nodePath: '', cudaVisibleDevices: '' };
const TRAINER = path.resolve(__dirname, '..', '..', '..', 'dist', 'trainer.js');

test('train arguments: name, json, runs folder, unknown keys allowed (the launch command asked); freeze, engine and resume only when asked', () => {
  const base = { trainerScript: '/ext/dist/trainer.js', experiment: '/ws/exp.yaml', name: 'r1', runsDir: '/ws/runs' };
  assert.deepEqual(trainArgs(base, settings), [
    '/ext/dist/trainer.js',
    'train',
    '/ws/exp.yaml',
    '--name',
    'r1',
    '--json',
    '--runs-dir',
    '/ws/runs',
    '--allow-unknown-keys',
  ]);
  const full = trainArgs({ ...base, freeze: [0, 'model.3.bn'], resume: true }, { ...settings, engine: 'wasm' });
  assert.deepEqual(full.slice(9), ['--freeze', '[0,"model.3.bn"]', '--engine', 'wasm', '--resume']);
  assert.deepEqual(trainArgs({ ...base, sweep: 's1' }, settings).slice(9), ['--sweep', 's1']);
});

test('environment: CUDA_VISIBLE_DEVICES from the setting; ELECTRON_RUN_AS_NODE only for the editor runtime', () => {
  const env = trainerEnv(
    { command: '/usr/bin/node', env: {}, source: 'PATH' },
    { ...settings, cudaVisibleDevices: ' 1,2 ' },
    { PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' },
  );
  assert.equal(env.CUDA_VISIBLE_DEVICES, '1,2');
  assert.equal(env.ELECTRON_RUN_AS_NODE, undefined);
  assert.equal(env.PATH, '/bin');
  const inherit = trainerEnv({ command: '/opt/code', env: { ELECTRON_RUN_AS_NODE: '1' }, source: 'editor' }, settings, {
    CUDA_VISIBLE_DEVICES: '0',
  });
  assert.equal(inherit.CUDA_VISIBLE_DEVICES, '0', 'empty setting inherits');
  assert.equal(inherit.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(
    trainerEnv({ command: '/usr/bin/node', env: {}, source: 'PATH' }, settings, {}, 8).TRANSFER_LAB_CPUS,
    '7',
    'the editor keeps one core',
  );
  assert.equal(trainerEnv({ command: '/usr/bin/node', env: {}, source: 'PATH' }, settings, {}, 2).TRANSFER_LAB_CPUS, '1');
});

test("environment: transferLab.wasmThreads sets the trainer's threads; the default (auto) leaves the environment alone", () => {
  const runtime = { command: '/usr/bin/node', env: {}, source: 'PATH' as const };
  assert.equal(trainerEnv(runtime, { ...settings, wasmThreads: 'auto' }, {}).TRANSFER_LAB_WASM_THREADS, undefined, "the trainer's default");
  assert.equal(
    trainerEnv(runtime, { ...settings, wasmThreads: 'auto' }, { TRANSFER_LAB_WASM_THREADS: '2' }).TRANSFER_LAB_WASM_THREADS,
    '2',
  );
  assert.equal(
    trainerEnv(runtime, { ...settings, wasmThreads: '3' }, { TRANSFER_LAB_WASM_THREADS: 'auto' }).TRANSFER_LAB_WASM_THREADS,
    '3',
  );
  assert.equal(trainerEnv(runtime, { ...settings, wasmThreads: '1' }, {}).TRANSFER_LAB_WASM_THREADS, '1', '1 turns threads off');
});

test("environment: transferLab.python names the torch engine's interpreter; empty leaves the trainer to find one", () => {
  const runtime = { command: '/usr/bin/node', env: {}, source: 'PATH' as const };
  assert.equal(
    trainerEnv(runtime, { ...settings, python: ' /opt/venv/bin/python ' }, {}).TRANSFER_LAB_TORCH_PYTHON,
    '/opt/venv/bin/python',
  );
  assert.equal(trainerEnv(runtime, { ...settings, python: '' }, {}).TRANSFER_LAB_TORCH_PYTHON, undefined);
});

test('environment: several runs at once each get their share of the CPUs', () => {
  const runtime = { command: '/usr/bin/node', env: {}, source: 'PATH' as const };
  assert.equal(trainerEnv(runtime, { ...settings, maxConcurrentRuns: 2 }, {}, 8).TRANSFER_LAB_CPUS, '3');
  assert.equal(trainerEnv(runtime, { ...settings, maxConcurrentRuns: 3 }, {}, 2).TRANSFER_LAB_CPUS, '1');
});

test('runtime: the setting, else node on PATH, else the editor binary as Node', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-node-'));
  try {
    const fake = path.join(dir, 'node');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    assert.equal(await findOnPath('node', `/nonexistent${path.delimiter}${dir}`), fake);
    const saved = process.env.PATH;
    try {
      process.env.PATH = dir;
      assert.deepEqual(await resolveNodeRuntime(''), { command: fake, env: {}, source: 'PATH' });
      process.env.PATH = '/nonexistent';
      assert.deepEqual(await resolveNodeRuntime('', '/opt/editor/code'), {
        command: '/opt/editor/code',
        env: { ELECTRON_RUN_AS_NODE: '1' },
        source: 'editor',
      });
    } finally {
      process.env.PATH = saved;
    }
    assert.deepEqual(await resolveNodeRuntime(process.execPath), { command: process.execPath, env: {}, source: 'setting' });
    await assert.rejects(
      resolveNodeRuntime(path.join(dir, 'missing-node')),
      (e: Error) => e instanceof RuntimeError && /transferLab.nodePath .* not an executable/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('event lines survive arbitrary chunking; other lines stay text', () => {
  const s = new LineSplitter();
  const ev = JSON.stringify({ type: 'batch', run: 'r', epoch: 1, batch: 2, batches: 9, loss: 0.5 });
  const bytes = new TextEncoder().encode(`${ev}\nWarning: ünïcode\r\n{"type":"nope"}\n{broken\n`);
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) lines.push(...s.push(bytes.subarray(i, i + 3)));
  lines.push(...s.end());
  assert.deepEqual(lines, [ev, 'Warning: ünïcode', '{"type":"nope"}', '{broken']);
  assert.equal(parseTrainerLine(lines[0]).kind, 'event');
  assert.deepEqual(parseTrainerLine(lines[1]), { kind: 'text', text: 'Warning: ünïcode' });
  assert.equal(parseTrainerLine(lines[2]).kind, 'text', 'unknown event types are text');
  assert.equal(parseTrainerLine(lines[3]).kind, 'text');
  assert.equal(
    parseTrainerLine('{"type":"batch","run":"r","loss":"high"}').kind,
    'text',
    'an event with missing or wrong-typed fields is text',
  );
});

test('a real child process: events from stdout, text from stderr, exit code, no shell', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-proc-'));
  try {
    const script = path.join(dir, 'fake-trainer.js');
    // Writes an event split over two writes and a stderr line, then fails.
    writeFileSync(
      script,
      `const e = JSON.stringify({ type: 'end', run: process.argv[2], status: 'failed', error: 'boom' });
       process.stdout.write(e.slice(0, 10)); setTimeout(() => { process.stdout.write(e.slice(10) + '\\nplain\\n'); console.error('Error: boom'); process.exit(3); }, 50);`,
    );
    const events: ProgressEvent[] = [];
    const texts: string[] = [];
    const exit = await new Promise<TrainerExit>((resolve) => {
      // A name with shell metacharacters reaches the process as one argument.
      new TrainerProcess(
        { command: process.execPath, args: [script, 'run;$(echo x)'], cwd: dir, env: process.env },
        { onEvent: (e) => events.push(e), onText: (l, s) => texts.push(`${s}:${l}`), onExit: resolve },
      );
    });
    assert.equal(exit.code, 3);
    assert.deepEqual(events, [{ type: 'end', run: 'run;$(echo x)', status: 'failed', error: 'boom' }]);
    assert.deepEqual(texts.sort(), ['stderr:Error: boom', 'stdout:plain']);
    const missing = await new Promise<TrainerExit>((resolve) => {
      new TrainerProcess(
        { command: path.join(dir, 'no-such-node'), args: [], cwd: dir, env: process.env },
        { onEvent: () => undefined, onText: () => undefined, onExit: resolve },
      );
    });
    assert.match(missing.error?.message ?? '', /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ETA from finished epochs and the current epoch', () => {
  assert.equal(estimateSecondsLeft({ epochs: 10, epochsDone: 10, epochSeconds: [] }), 0);
  assert.equal(estimateSecondsLeft({ epochs: 10, epochsDone: 0, epochSeconds: [] }), undefined);
  // 2 done at 10 s each, the third half done: 5 s + 7 × 10 s.
  assert.equal(estimateSecondsLeft({ epochs: 10, epochsDone: 2, epochSeconds: [10, 10], batch: { done: 5, of: 10 } }), 75);
  // Nothing finished yet: 4 s for 25% of the first epoch → 12 s left of it + 1 × 16 s.
  assert.equal(estimateSecondsLeft({ epochs: 2, epochsDone: 0, epochSeconds: [], batch: { done: 1, of: 4 }, currentEpochElapsed: 4 }), 28);
  assert.equal(formatDuration(45), '45s');
  assert.equal(formatDuration(200), '3m 20s');
  assert.equal(formatDuration(3900), '1h 05m');
});

test(
  "Show Engines reads the real trainer's `engines --json`",
  { skip: !existsSync(TRAINER) && 'dist/trainer.js not built (npm run compile)' },
  async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [TRAINER, 'engines', '--json'], { timeout: 60_000 }, (err, stdout) =>
        stdout.trim() ? resolve(stdout) : reject(err),
      ),
    );
    const report = parseEnginesJson(out);
    assert.ok(report.engines.length >= 2, 'every engine is listed');
    assert.ok(
      report.engines.every((e) => typeof e.reason === 'string' && e.reason.length > 0),
      'each says why or what it runs on',
    );
    const firstAvailable = report.engines.find((e) => e.available);
    assert.equal(report.chosen, firstAvailable?.name, 'auto picks the best available engine');
    assert.throws(() => parseEnginesJson('engine: wasm'), /not JSON/);
    assert.throws(() => parseEnginesJson('{"chosen":null}'), /no engine list/);
  },
);
