// Training a torchvision backbone end to end through the built CLI on the torch engine: resnet18 from
// a state dict saved here with random init (no network), on a small image folder at 32x32, with
// `freeze: 6` (conv1, bn1, relu, maxpool, layer1, layer2). The frozen children's parameters and
// batch-norm statistics come out bit-identical, the rest changed; the run folder is complete; SIGTERM
// stops with weights/last and --resume finishes with the optimizer restored; a later run takes the
// run's weights/best/model.pt as `weights:`. A tfjs engine or a missing PyTorch fails before any
// run folder exists. Needs /usr/bin/python3 with torch and torchvision (skipped without).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProgressEvent, RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { bestEpoch, checkPredictions } from '../support/predictionsFile';
import { writeImageFolder } from '../support/trainerFixtures';
import { runCli, startCli } from '../support/trainerCli';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : `${PYTHON} has no torch/torchvision (apt install python3-torch python3-torchvision)`;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-tvtrain-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ENV = { TRANSFER_LAB_ENGINE: 'auto', TRANSFER_LAB_TORCH_PYTHON: PYTHON };

function python(code: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function experiment(dir: string, o: { weights: string; freeze: number; epochs: number; python?: string }): string {
  const file = path.join(dir, 'resnet.experiment.yaml');
  writeFileSync(
    file,
    [
      'model: torchvision:resnet18',
      `weights: ${o.weights}`,
      'data: { source: folder, path: data }',
      'train:',
      `  epochs: ${o.epochs}`,
      '  batch: 4',
      '  optimizer: adam',
      '  lr: 0.001',
      '  seed: 1',
      '  imgsz: 32',
      `freeze: ${o.freeze}`,
      ...(o.python ? [`python: ${o.python}`] : []),
    ].join('\n') + '\n',
  );
  return file;
}

function record(dir: string): RunRecord {
  return JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
}

const logged = (events: ProgressEvent[], re: RegExp): boolean => events.some((e) => e.type === 'log' && re.test(e.message));

test(
  'torchvision resnet18 with freeze 6: frozen children bit-identical, the rest trained; SIGTERM, resume, weights reused',
  { skip },
  async () => {
    const dir = path.join(tmp, 'train');
    mkdirSync(dir, { recursive: true });
    writeImageFolder(path.join(dir, 'data'), { classes: ['a', 'b'], perClass: 12, size: 32, valPerClass: 4 });
    const init = path.join(dir, 'init.pth');
    python(
      `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(init)})`,
    );
    const exp = experiment(dir, { weights: 'init.pth', freeze: 6, epochs: 3 });

    // SIGTERM in epoch 2: stopped, epoch 1 recorded, weights/last written.
    const first = startCli(['train', exp, '--json', '--name', 'tv'], { env: ENV });
    await first.waitFor((e) => e.type === 'batch' && e.epoch === 2 && e.batch === 2, 180_000);
    first.child.kill('SIGTERM');
    const exit = await first.exit;
    assert.equal(exit.code, 0, exit.stderr);
    const run = path.join(dir, 'runs', 'tv');
    assert.equal(record(run).status, 'stopped');
    assert.equal(record(run).epochsDone, 1);
    assert.ok(first.events.some((e) => e.type === 'start' && e.engine === 'torch'));
    assert.ok(logged(first.events, /frozen children conv1, bn1, relu, maxpool, layer1, layer2 \(batch norm in inference mode\)/));
    assert.ok(logged(first.events, /classifier fc newly initialised for 2 classes/));
    // Stopped: last.json for the epoch weights/last holds, with the image folder's files.
    const data = path.join(dir, 'data');
    checkPredictions(run, 'last', { epoch: 1, dataDir: data });
    checkPredictions(run, 'best', { epoch: 1, dataDir: data });

    const resumed = runCli(['train', exp, '--json', '--name', 'tv', '--resume'], { env: ENV, timeoutMs: 180_000 });
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.slice(-2000));
    assert.ok(logged(resumed.events, /optimizer state restored/), resumed.stdout.slice(0, 4000));
    const rec = record(run);
    assert.equal(rec.status, 'finished');
    assert.equal(rec.engine, 'torch');
    assert.equal(rec.epochsDone, 3);
    assert.ok(rec.trainableParams! > 0 && rec.trainableParams! < rec.totalParams!, `${rec.trainableParams} of ${rec.totalParams}`);
    assert.deepEqual(rec.cache?.used, false);
    assert.deepEqual(
      readMetricsFile(path.join(run, 'metrics.jsonl')).map((m) => m.epoch),
      [1, 2, 3],
    );
    assert.equal(readFileSync(path.join(run, 'results.csv'), 'utf8').trim().split('\n').length, 4);
    checkPredictions(run, 'last', { epoch: 3, dataDir: data });
    checkPredictions(run, 'best', { epoch: bestEpoch(run), dataDir: data });
    for (const f of [
      'experiment.yaml',
      'run.json',
      'metrics.jsonl',
      'results.csv',
      'train.log',
      'weights/last/model.pt',
      'weights/last/optimizer.pt',
      'weights/last/torchvision.json',
      'weights/best/model.pt',
      'weights/best/torchvision.json',
    ])
      assert.ok(existsSync(path.join(run, f)), `${f} missing`);
    const meta = JSON.parse(readFileSync(path.join(run, 'weights/last/torchvision.json'), 'utf8')) as {
      builder: string;
      userDefinedMetadata: { transferLab: { epoch: number; classes: string[] } };
    };
    assert.equal(meta.builder, 'resnet18');
    assert.deepEqual(meta.userDefinedMetadata.transferLab, { ...meta.userDefinedMetadata.transferLab, epoch: 3, classes: ['a', 'b'] });

    // Parameters and buffers (batch-norm running statistics too) of children 0-5 exactly as loaded.
    const compared = JSON.parse(
      python(`
import json, torch
a = torch.load(${JSON.stringify(init)}); b = torch.load(${JSON.stringify(path.join(run, 'weights/last/model.pt'))})
frozen = ('conv1.', 'bn1.', 'layer1.', 'layer2.')
out = {'frozenSame': [], 'frozenDiff': [], 'trainedChanged': 0, 'trained': 0, 'fc': list(b['fc.weight'].shape)}
for k in a:
    if k.startswith(frozen):
        out['frozenSame' if torch.equal(a[k], b[k]) else 'frozenDiff'].append(k)
    elif k.startswith(('layer3.', 'layer4.')) and k.endswith('.weight'):
        out['trained'] += 1
        out['trainedChanged'] += int(not torch.equal(a[k], b[k]))
print(json.dumps(out))`),
    ) as { frozenSame: string[]; frozenDiff: string[]; trainedChanged: number; trained: number; fc: number[] };
    assert.deepEqual(compared.frozenDiff, []);
    assert.equal(compared.frozenSame.length, 60); // conv1 1, bn1 5, layer1 24, layer2 30 (with its downsample)
    assert.ok(compared.frozenSame.includes('bn1.running_mean') && compared.frozenSame.includes('layer2.1.bn2.running_var'));
    assert.equal(
      compared.trainedChanged,
      compared.trained,
      `${compared.trainedChanged} of ${compared.trained} layer3/layer4 weights changed`,
    );
    assert.deepEqual(compared.fc, [2, 512]);

    // The run's best state dict as a later run's weights: the classifier fits (same classes), so it loads too.
    const later = path.join(tmp, 'later');
    mkdirSync(later);
    writeImageFolder(path.join(later, 'data'), { classes: ['a', 'b'], perClass: 4, size: 32, valPerClass: 2 });
    const next = runCli(
      ['train', experiment(later, { weights: path.join(run, 'weights/best/model.pt'), freeze: 9, epochs: 1 }), '--json'],
      { env: ENV, timeoutMs: 180_000 },
    );
    assert.equal(next.code, 0, next.stderr + next.stdout.slice(-2000));
    assert.ok(logged(next.events, /^weights .*weights\/best\/model\.pt$/), next.stdout.slice(0, 4000));
  },
);

test('a torchvision experiment on a forced tfjs engine, or without PyTorch, fails with a message and no run folder', { skip }, () => {
  const dir = path.join(tmp, 'refused');
  mkdirSync(dir, { recursive: true });
  const exp = experiment(dir, { weights: 'none.pth', freeze: 6, epochs: 1 });
  const wasm = runCli(['train', exp, '--json'], { env: { ...ENV, TRANSFER_LAB_ENGINE: 'wasm' } });
  assert.notEqual(wasm.code, 0);
  assert.match(
    wasm.stdout + wasm.stderr,
    /torchvision:resnet18 is a PyTorch model: only the torch engine trains it, but the TRANSFER_LAB_ENGINE environment \(the transferLab\.engine setting\) forces 'wasm'.*\/usr\/bin\/python3/,
  );
  const flag = runCli(['train', exp, '--json', '--engine', 'wasm'], { env: ENV });
  assert.match(flag.stdout + flag.stderr, /the --engine flag forces 'wasm'/);

  const noTorch = experiment(dir, { weights: 'none.pth', freeze: 6, epochs: 1, python: path.join(dir, 'no-such-python') });
  const missing = runCli(['train', noTorch, '--json'], { env: ENV });
  assert.notEqual(missing.code, 0);
  assert.match(
    missing.stdout + missing.stderr,
    /no Python with PyTorch was found: .*no-such-python \(the experiment's python:\).*install PyTorch/,
  );
  assert.ok(!existsSync(path.join(dir, 'runs')), 'no run folder may be created');
});

test('a freeze sweep of a torchvision experiment runs every freeze from the same state dict', { skip }, () => {
  const dir = path.join(tmp, 'sweep');
  mkdirSync(dir, { recursive: true });
  writeImageFolder(path.join(dir, 'data'), { classes: ['a', 'b'], perClass: 4, size: 32, valPerClass: 2 });
  python(
    `import torch, torchvision; torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(path.join(dir, 'init.pth'))})`,
  );
  const exp = experiment(dir, { weights: 'init.pth', freeze: 6, epochs: 1 });
  const r = runCli(['sweep', exp, '--json', '--name', 'sw', '--freeze', '6', '--freeze', '9'], { env: ENV, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
  const table = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    status: string;
    engine: string;
    runs: Array<{ freeze: number; status: string; weightsSha256: string }>;
  };
  const sha = python(
    `import hashlib; print(hashlib.sha256(open(${JSON.stringify(path.join(dir, 'init.pth'))}, 'rb').read()).hexdigest())`,
  ).trim();
  assert.deepEqual([table.status, table.engine], ['finished', 'torch']);
  assert.deepEqual(
    table.runs.map((x) => [x.freeze, x.status, x.weightsSha256]),
    [
      [6, 'finished', sha],
      [9, 'finished', sha],
    ],
  );
});
