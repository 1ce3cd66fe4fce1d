// A freeze schedule and per-module rates on a torchvision model (the torch worker freezes its
// children itself): resnet18 from a random state dict, phase 1 trains avgpool + fc only (freeze 8),
// phase 2 unfreezes layer3 and layer4 (freeze 6). Stopped after phase 1 and resumed: layer3 was
// untouched in phase 1 and trains in phase 2, its batch norm statistics stay as loaded (frozen once,
// it stays in inference mode: Keras' fine-tuning semantics), layer2 never moves; each epoch's metrics
// carry its freeze and phase. Needs /usr/bin/python3 with torch and torchvision (skipped without).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { writeImageFolder } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : `${PYTHON} has no torch/torchvision (apt install python3-torch python3-torchvision)`;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-tvschedule-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const ENV = { TRANSFER_LAB_ENGINE: 'auto', TRANSFER_LAB_TORCH_PYTHON: PYTHON };

function python(code: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Which of the state dicts' tensors equal the initial ones, for a few keys of layer2/layer3. */
function same(init: string, file: string): Record<string, boolean> {
  const keys = ['layer2.0.conv1.weight', 'layer3.0.conv1.weight', 'layer3.0.bn1.weight', 'layer3.0.bn1.running_mean', 'fc.bias'];
  return JSON.parse(
    python(`
import json, torch
a = torch.load(${JSON.stringify(init)}); b = torch.load(${JSON.stringify(file)})
print(json.dumps({k: (torch.equal(a[k], b[k]) if a[k].shape == b[k].shape else False) for k in ${JSON.stringify(keys)}}))`),
  ) as Record<string, boolean>;
}

test('torchvision: a freeze schedule with per-module rates, resumed in phase 2', { skip }, () => {
  const dir = path.join(tmp, 'tv');
  mkdirSync(dir, { recursive: true });
  writeImageFolder(path.join(dir, 'data'), { classes: ['a', 'b'], perClass: 6, size: 32, valPerClass: 2 });
  const init = path.join(dir, 'init.pth');
  python(
    `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(init)})`,
  );
  const exp = path.join(dir, 'resnet.experiment.yaml');
  writeFileSync(
    exp,
    [
      'model: torchvision:resnet18',
      'weights: init.pth',
      'data: { source: folder, path: data }',
      'train: { epochs: 2, batch: 4, optimizer: adam, lr: 0.001, seed: 1, imgsz: 32, lrMult: { "0-7": 0.1 } }',
      'freeze: { schedule: [ {epochs: 1, freeze: 8}, {epochs: 1, freeze: 6} ] }',
      '',
    ].join('\n'),
  );
  const first = runCli(['train', exp, '--json', '--name', 'tv', '--epochs', '1'], { env: ENV, timeoutMs: 180_000 });
  assert.equal(first.code, 0, first.stderr + first.stdout.slice(-2000));
  const run = path.join(dir, 'runs', 'tv');
  const afterPhase1 = same(init, path.join(run, 'weights/last/model.pt'));
  assert.deepEqual(afterPhase1, {
    'layer2.0.conv1.weight': true,
    'layer3.0.conv1.weight': true,
    'layer3.0.bn1.weight': true,
    'layer3.0.bn1.running_mean': true,
    'fc.bias': false,
  });

  const resumed = runCli(['train', exp, '--json', '--name', 'tv', '--resume', '--epochs', '2'], { env: ENV, timeoutMs: 180_000 });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.slice(-2000));
  const log = resumed.events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
  assert.ok(
    log.some((l) => /optimizer state restored/.test(l)),
    log.join('\n'),
  );
  assert.ok(
    log.some((l) => /^phase 2 of 2 \(epoch 2\): freeze 6, [\d,]+ of [\d,]+ parameters trainable/.test(l)),
    log.join('\n'),
  );
  assert.ok(
    log.some((l) => /phase 2 of 2 \(epoch 2\): learning-rate multipliers by module 6, 7 ×0\.1 · 9 ×1/.test(l)),
    log.join('\n'),
  );
  const rec = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(rec.status, 'finished');
  assert.deepEqual(rec.phases, [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 2, freeze: 6 },
  ]);
  assert.deepEqual(
    readMetricsFile(path.join(run, 'metrics.jsonl')).map((m) => [m.epoch, m.freeze, m.phase]),
    [
      [1, 8, 0],
      [2, 6, 1],
    ],
  );
  assert.deepEqual(same(init, path.join(run, 'weights/last/model.pt')), {
    'layer2.0.conv1.weight': true,
    'layer3.0.conv1.weight': false,
    'layer3.0.bn1.weight': false,
    'layer3.0.bn1.running_mean': true,
    'fc.bias': false,
  });
});
