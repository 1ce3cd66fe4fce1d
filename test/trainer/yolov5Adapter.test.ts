// `transfer-lab train` on `trainer: yolov5` experiments, through the built CLI (dist/trainer.js) as the
// extension host runs it, against the STAND-IN train.py in test/fixtures/yolov5-standin (a test
// double of YOLOv5's train.py: YOLOv5 itself needs PyTorch, which CI cannot install). Needs python3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMetrics, ProgressEvent, RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { stopProcessTree } from '../../src/extension/runs/processTree';
import { firstStopSignal } from '../../src/extension/runs/yolov5/stopSignal';
import { ROOT, runCli, TRAINER } from '../support/trainerCli';

const STANDIN = path.join(ROOT, 'test', 'fixtures', 'yolov5-standin');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

interface Setup {
  root: string;
  proj: string;
  yolo: string;
  experiment: string;
}

let count = 0;
/** A YOLOv5 checkout (the stand-in) and a project beside it with one experiment. */
function setup(
  o: { epochSeconds?: number; batches?: number; crashAt?: number; device?: string; experiment?: (s: string) => string } = {},
): Setup {
  const root = path.join(tmp, `w${++count}`);
  const yolo = path.join(root, 'yolov5');
  const proj = path.join(root, 'proj');
  mkdirSync(path.join(yolo, 'data'), { recursive: true });
  mkdirSync(proj, { recursive: true });
  copyFileSync(path.join(STANDIN, 'train.py'), path.join(yolo, 'train.py'));
  writeFileSync(
    path.join(yolo, 'data', 'standin.yaml'),
    [
      'path: ../datasets/standin',
      'train: images/train',
      'val: images/val',
      'nc: 3',
      'names: [a, b, c]',
      `standin_epoch_seconds: ${o.epochSeconds ?? 0.3}`,
      `standin_batches: ${o.batches ?? 3}`,
      ...(o.crashAt !== undefined ? [`standin_crash_at_epoch: ${o.crashAt}`] : []),
      ...(o.device ? [`standin_device: ${JSON.stringify(o.device)}`] : []),
    ].join('\n') + '\n',
  );
  copyFileSync(path.join(STANDIN, 'tiny-detect.yaml'), path.join(proj, 'model.yaml'));
  const text = `trainer: yolov5
model: model.yaml
freeze: 3
yolov5:
  folder: ../yolov5
  data: standin.yaml
  weights: yolov5n.pt
  epochs: 3
  img: 64
`;
  const experiment = path.join(proj, 'det.experiment.yaml');
  writeFileSync(experiment, o.experiment ? o.experiment(text) : text);
  return { root, proj, yolo, experiment };
}

const runDir = (s: Setup, name: string) => path.join(s.proj, 'runs', name);
const record = (s: Setup, name: string) => JSON.parse(readFileSync(path.join(runDir(s, name), 'run.json'), 'utf8')) as RunRecord;
const metrics = (s: Setup, name: string): EpochMetrics[] => readMetricsFile(path.join(runDir(s, name), 'metrics.jsonl'));
const end = (events: ProgressEvent[]) =>
  events.filter((e) => e.type === 'end').pop() as Extract<ProgressEvent, { type: 'end' }> | undefined;

// tiny-detect.yaml with the dataset's nc 3, as YOLOv5 builds it: modules 0-2 hold 880 + 1184 + 1248.
const TOTAL_PARAMS = 18688;

test("a run trains through train.py into runs/<name>/: YOLOv5's files and our record side by side", () => {
  const s = setup();
  const r = runCli(['train', s.experiment, '--json', '--name', 'r1']);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const start = r.events.find((e) => e.type === 'start');
  assert.deepEqual(start, {
    type: 'start',
    run: 'r1',
    engine: 'yolov5',
    device: 'CPU',
    epochs: 3,
    trainableParams: TOTAL_PARAMS - 3312,
    totalParams: TOTAL_PARAMS,
  });
  assert.ok(
    r.events.some((e) => e.type === 'batch' && e.epoch === 1 && e.batches === 3),
    'progress bars become batch events',
  );
  assert.deepEqual(end(r.events), { type: 'end', run: 'r1', status: 'finished' });

  const dir = runDir(s, 'r1');
  for (const f of [
    'run.json',
    'metrics.jsonl',
    'train.log',
    'experiment.yaml',
    'results.csv',
    'opt.yaml',
    'weights/last.pt',
    'weights/best.pt',
  ]) {
    assert.ok(existsSync(path.join(dir, f)), `${f} in the run folder`);
  }
  assert.ok(!existsSync(path.join(s.yolo, 'runs')), "nothing went to YOLOv5's own runs/train/exp*");
  const rec = record(s, 'r1');
  assert.equal(rec.status, 'finished');
  assert.equal(rec.trainer, 'yolov5');
  assert.equal(rec.engine, 'yolov5');
  assert.equal(rec.device, 'CPU', 'the device YOLOv5 named');
  assert.deepEqual(rec.freeze, 3);
  assert.equal(rec.epochs, 3);
  assert.equal(rec.epochsDone, 3);
  assert.equal(rec.experiment, s.experiment);
  assert.equal(rec.data, 'yolov5 --data standin.yaml');
  assert.equal(rec.model, path.join(path.dirname(s.experiment), 'model.yaml'));
  assert.equal(rec.deviceSource, 'nvidia-smi', 'its device memory only ever comes from nvidia-smi');
  assert.ok(Number.isInteger(rec.pid));
  assert.equal(rec.bestMap50, 0.42);
  assert.equal(rec.bestMap50_95, 0.23);
  assert.equal(rec.bestAccuracy, undefined, 'no classification accuracy for a detection run');

  const m = metrics(s, 'r1');
  assert.deepEqual(
    m.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.deepEqual(
    m.map((e) => e['val/mAP_0.5']),
    [0.3, 0.36, 0.42],
    'mAP_0.5 as the stand-in wrote it',
  );
  assert.deepEqual(
    m.map((e) => e['val/mAP_0.5:0.95']),
    [0.15, 0.19, 0.23],
  );
  assert.deepEqual(
    m.map((e) => e.yolov5?.epoch),
    [0, 1, 2],
    "YOLOv5's own row is kept",
  );
  // Epoch times come from when the follower saw each row: under load two rows can arrive in one
  // read, so one epoch may get almost all the time. Their sum covers the stand-in's 3 × 0.3 s of
  // training, but for the slice of each epoch before its progress header (hence 2/3 of it).
  const total = m.reduce((sum, e) => sum + e.epoch_seconds, 0);
  assert.ok(total >= 0.6, `the epochs' wall times add up to ${total} s, not the stand-in's ~0.9 s of training`);
  for (const e of m) {
    assert.ok(e.epoch_seconds >= 0, `epoch ${e.epoch} wall time ${e.epoch_seconds}`);
    assert.equal(e['val/accuracy'], null);
    if (process.platform === 'linux')
      assert.ok(typeof e.rss_bytes === 'number' && e.rss_bytes > 1e6, `train.py's memory ${JSON.stringify(m.map((x) => x.rss_bytes))}`);
  }
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'standin-freeze.json'), 'utf8')), ['model.0.', 'model.1.', 'model.2.']);
  const log = readFileSync(path.join(dir, 'train.log'), 'utf8');
  assert.match(log, /PY {4}YOLOv5 .* CPU/, "train.py's output is kept whole in train.log");
  // ... and only there: a finished run shows none of it (a sweep used to relay it as one warning).
  assert.doesNotMatch(r.stderr, /YOLOv5|Epoch|GPU_mem/, "train.py's output does not reach stderr");
  assert.ok(!r.events.some((e) => e.type === 'log' && e.level !== 'info'), 'no warning or error in a clean run');
  assert.match(log, /--freeze 3 --project .*--name r1 --exist-ok/);
  assert.match(readFileSync(path.join(dir, 'results.csv'), 'utf8'), /^ {15}epoch, {6}train\/box_loss,/, "results.csv is YOLOv5's own");
});

test('every freeze form reaches train.py as YOLOv5 reads it', () => {
  const s = setup({ epochSeconds: 0.05, batches: 1, experiment: (t) => t.replace('epochs: 3', 'epochs: 1') });
  const cases: Array<[string, string[]]> = [
    ['0', []],
    ['10', Array.from({ length: 10 }, (_, i) => `model.${i}.`)],
    ['[5]', ['model.5.', 'model.5.']],
    ['[0]', ['model.0.']],
    ['[2,0,1]', ['model.0.', 'model.1.', 'model.2.']],
    ['[0,4,9]', ['model.0.', 'model.4.', 'model.9.']],
  ];
  cases.forEach(([freeze, prefixes], i) => {
    const r = runCli(['train', s.experiment, '--json', '--name', `f${i}`, '--freeze', freeze]);
    assert.equal(r.code, 0, r.stderr.slice(-1500));
    assert.deepEqual(JSON.parse(readFileSync(path.join(runDir(s, `f${i}`), 'standin-freeze.json'), 'utf8')), prefixes, `freeze ${freeze}`);
  });
});

function failed(s: Setup, name: string, args: string[] = [], env?: NodeJS.ProcessEnv): { rec: RunRecord; error: string; stderr: string } {
  const r = runCli(['train', s.experiment, '--json', '--name', name, ...args], { env });
  assert.equal(r.code, 1, `exit code 1; stderr: ${r.stderr.slice(-1000)}`);
  const e = end(r.events);
  assert.equal(e?.status, 'failed');
  const rec = record(s, name);
  assert.equal(rec.status, 'failed');
  assert.equal(rec.error, e?.error, 'the same message in run.json and the end event');
  return { rec, error: rec.error ?? '', stderr: r.stderr };
}

test('a layer-name freeze is refused before train.py starts, saying why and what to do', () => {
  const s = setup();
  const { error } = failed(s, 'layer', ['--freeze', '["model.3.bn"]']);
  assert.match(error, /model\.3\.bn.*YOLOv5's --freeze cannot express: it freezes whole modules only/);
  assert.match(error, /built-in trainer|own trainer/);
  assert.ok(!existsSync(path.join(runDir(s, 'layer'), 'opt.yaml')), 'train.py never ran');
});

test('no train.py in the folder, or no folder: the run fails naming the setting and the fix', () => {
  const s = setup();
  rmSync(path.join(s.yolo, 'train.py'));
  assert.match(
    failed(s, 'notrain').error,
    new RegExp(
      `no train\\.py in ${s.yolo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(yolov5\\.folder in .*det\\.experiment\\.yaml\\).*git clone https://github\\.com/ultralytics/yolov5`,
    ),
  );
  const t = setup({ experiment: (x) => x.replace('folder: ../yolov5', 'folder: ../nowhere') });
  assert.match(failed(t, 'nofolder').error, /yolov5\.folder in .* is .*nowhere, which is not a folder/);
});

test('Python missing: named by where the choice came from', () => {
  const s = setup({ experiment: (x) => x.replace('  data: standin.yaml', '  python: ./no-such-python\n  data: standin.yaml') });
  assert.match(
    failed(s, 'nopy1').error,
    /^Python not found: yolov5\.python in .*det\.experiment\.yaml is .*no-such-python, which is not an executable file\. Install Python 3/,
  );
  const t = setup();
  assert.match(
    failed(t, 'nopy2', [], { TRANSFER_LAB_PYTHON: '/no/such/python3' }).error,
    /^Python not found: the interpreter selected in the Python extension is \/no\/such\/python3/,
  );
  assert.match(
    failed(t, 'nopy3', [], { PATH: path.join(tmp, 'empty-path') }).error,
    /^Python not found: no python3? on PATH, no interpreter selected in the Python extension, and no yolov5\.python/,
  );
});

test("a YOLOv5 crash: the run fails with YOLOv5's last error lines, the epochs before it kept", () => {
  const s = setup({ crashAt: 1 });
  const { error, stderr } = failed(s, 'crash');
  const lines = error.split('\n');
  assert.equal(
    lines[0],
    'YOLOv5 train.py failed (exit code 1): RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (stand-in crash)',
  );
  assert.ok(lines.includes('--- last lines of its output ---'));
  assert.ok(
    lines.some((l) => l.startsWith('Traceback (most recent call last)')),
    'the traceback is on the run',
  );
  assert.deepEqual(
    metrics(s, 'crash').map((e) => e.epoch),
    [1],
    'the finished epoch is not lost',
  );
  assert.match(readFileSync(path.join(runDir(s, 'crash'), 'train.log'), 'utf8'), /PY {4}RuntimeError: CUDA out of memory/);
  assert.doesNotMatch(stderr, /RuntimeError/, 'the tail reaches the user in the failure, not as raw output on stderr');
  const bad = setup({ experiment: (x) => x + '  extra: [--bogus]\n' });
  assert.match(failed(bad, 'badarg').error, /^YOLOv5 train\.py failed \(exit code 2\): train\.py: error: unrecognized arguments: --bogus/);
});

/** The CLI as the extension host starts it: leader of its own process group, events on stdout. */
function startDetached(args: string[], env?: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [TRAINER, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ProgressEvent[] = [];
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l) as ProgressEvent);
  });
  child.stderr!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, events, exit };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test('stop: SIGINT to the process group (as the Runs view sends it for a YOLOv5 run) stops YOLOv5 like Ctrl+C; resume continues from last.pt', async () => {
  const s = setup({ epochSeconds: 1.2, batches: 4 });
  const { child, events, exit } = startDetached(['train', s.experiment, '--json', '--name', 'stopme']);
  const deadline = Date.now() + 30_000;
  while (!events.some((e) => e.type === 'log' && /^epoch 1\/3/.test(e.message)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(Date.now() < deadline, 'the first epoch was recorded');
  // What the Runs view's Stop does: the first signal by the run's record, to the whole group.
  const signal = firstStopSignal(record(s, 'stopme'));
  assert.equal(signal, 'SIGINT');
  assert.equal(await stopProcessTree(child.pid!, 10_000, signal), 'terminated', 'SIGINT was enough: nothing had to be killed');
  const { code } = await exit;
  assert.equal(code, 0, 'a requested stop is not a failure');
  assert.equal(groupAlive(child.pid!), false, 'no process of the run is left (train.py and the adapter ended)');
  const rec = record(s, 'stopme');
  assert.equal(rec.status, 'stopped');
  assert.equal(end(events)?.status, 'stopped');
  const kept = metrics(s, 'stopme').map((e) => e.epoch);
  assert.ok(kept.length >= 1 && kept.length < 3, `stopped part-way (${kept})`);
  assert.ok(existsSync(path.join(runDir(s, 'stopme'), 'weights', 'last.pt')), "YOLOv5's last.pt of the last finished epoch");

  const resumed = runCli(['train', s.experiment, '--json', '--name', 'stopme', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-1500));
  assert.equal(record(s, 'stopme').status, 'finished');
  assert.deepEqual(
    metrics(s, 'stopme').map((e) => e.epoch),
    [1, 2, 3],
    'each epoch once, in order',
  );
  assert.ok(
    !resumed.events.some((e) => e.type === 'log' && /again/.test(e.message)),
    'the rows recorded before the stop are not reported as repeats',
  );
  assert.ok(resumed.events.some((e) => e.type === 'log' && /train\.py --resume .*stopme.weights.last\.pt/.test(e.message)));
});

test("GPU use is sampled with nvidia-smi (a stand-in here): the run's own processes, else the GPU YOLOv5 named", () => {
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(path.join(STANDIN, 'bin', 'nvidia-smi'), path.join(bin, 'nvidia-smi'));
  chmodSync(path.join(bin, 'nvidia-smi'), 0o755);
  const PATH = `${bin}${path.delimiter}${process.env.PATH}`;
  const device = 'CUDA:0 (NVIDIA Stand-in GPU, 16384MiB)';
  const s = setup({ device, epochSeconds: 1.5, experiment: (t) => t.replace('epochs: 3', 'epochs: 2') });
  const r = runCli(['train', s.experiment, '--json', '--name', 'gpu'], { env: { PATH } });
  assert.equal(r.code, 0, r.stderr.slice(-1500));
  assert.equal(record(s, 'gpu').device, device);
  for (const e of metrics(s, 'gpu')) {
    assert.equal(e.device_util, 87, `epoch ${e.epoch} utilisation`);
    assert.equal(e.device_memory_bytes, 3072 * 1024 * 1024, "memory used by train.py's processes, not the whole GPU");
  }
  const r2 = runCli(['train', s.experiment, '--json', '--name', 'gpu-whole'], { env: { PATH, STANDIN_NVIDIA_SMI_NO_APPS: '1' } });
  assert.equal(r2.code, 0, r2.stderr.slice(-1500));
  for (const e of metrics(s, 'gpu-whole')) assert.equal(e.device_memory_bytes, 5120 * 1024 * 1024, 'the GPU YOLOv5 named, as a whole');
  const cpu = setup({ experiment: (t) => t.replace('epochs: 3', 'epochs: 1') });
  assert.equal(runCli(['train', cpu.experiment, '--json', '--name', 'cpu'], { env: { PATH } }).code, 0);
  assert.equal(metrics(cpu, 'cpu')[0].device_util, undefined, 'a CPU run records no GPU use');
});
