// torchvision backbones end to end with Debian's /usr/bin/python3 (python3-torch, python3-torchvision,
// which `npm test` provisions): the Python module's own tests, and `transfer-lab modules` on a
// `torchvision:resnet18` experiment whose counts must equal sum(p.numel()) per child as PyTorch
// computes it. No network: the state dict is saved here from a randomly initialised resnet18.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, runCli } from '../support/trainerCli';
import type { ModulesReport } from '../../src/trainer/cli/modulesTable';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : `${PYTHON} has no torch/torchvision (apt install python3-torch python3-torchvision)`;

function python(code: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

async function workspace(experiment: string): Promise<{ dir: string; file: string; cache: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-torchvision-'));
  const file = path.join(dir, 'resnet.experiment.yaml');
  await writeFile(file, experiment);
  return { dir, file, cache: path.join(dir, 'cache') };
}

function modules(file: string, cache: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return runCli(['modules', file, ...args], {
    env: { TRANSFER_LAB_PYTHON: PYTHON, TRANSFER_LAB_CACHE_DIR: cache, ...env },
    timeoutMs: 180_000,
  });
}

test('torchvision_model.py: build, classifier, state dicts, modules and freeze (Python unittest)', { skip }, () => {
  const r = spawnSync(PYTHON, [path.join(ROOT, 'test/trainer/python/test_torchvision_model.py')], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Ran \d+ tests[\s\S]*\nOK/);
});

const EXPERIMENT =
  'model: torchvision:resnet18\nweights: init.pth\ndata:\n  source: mnist\n  classes: [5, 6, 7, 8, 9]\ntrain:\n  imgsz: 32\nfreeze: 5\n';

test("transfer-lab modules lists resnet18's children with sum(p.numel()) per child, and caches the inspection", { skip }, async () => {
  const { dir, file, cache } = await workspace(EXPERIMENT);
  try {
    python(
      `import torch, torchvision; torch.manual_seed(1); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(path.join(dir, 'init.pth'))})`,
    );
    // PyTorch's own count, on the model the experiment asks for: resnet18 with a 5-class fc.
    const expected = JSON.parse(
      python(
        'import json, torchvision; m = torchvision.models.resnet18(num_classes=5); print(json.dumps([[n, sum(p.numel() for p in c.parameters())] for n, c in m.named_children()]))',
      ),
    ) as [string, number][];
    const r = modules(file, cache, ['--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as ModulesReport;
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(
      report.modules.map((m) => [m.label, m.params]),
      expected,
    );
    assert.deepEqual(
      report.modules.map((m) => m.name),
      expected.map((_, i) => `model.${i}`),
    );
    assert.equal(
      report.total,
      expected.reduce((a, [, n]) => a + n, 0),
    );
    // freeze: 5 = conv1, bn1, relu, maxpool, layer1
    assert.deepEqual(
      report.modules.map((m) => m.frozen),
      ['yes', 'yes', 'yes', 'yes', 'yes', 'no', 'no', 'no', 'no', 'no'],
    );
    assert.equal(
      report.trainable,
      expected.slice(5).reduce((a, [, n]) => a + n, 0),
    );
    assert.deepEqual(report.modules[9].outShape, [5]);
    assert.equal((await readdir(cache + '/torchvision')).filter((f) => f.endsWith('.json')).length, 1);

    const table = modules(file, cache, ['--freeze', '9']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^\s*9\s+model\.9\s+fc \(Linear\)\s+2,565\s+no\s+5$/m);
    assert.equal(
      (await readdir(cache + '/torchvision')).filter((f) => f.endsWith('.json')).length,
      1,
      'the same model and weights: one cache entry',
    );

    // Rewritten weights are another inspection (the state dict could be another model's).
    python(
      `import torch, torchvision; torch.save(torchvision.models.resnet34().state_dict(), ${JSON.stringify(path.join(dir, 'init.pth'))})`,
    );
    const mismatch = modules(file, cache, ['--json']);
    assert.equal(mismatch.code, 1);
    const d = (JSON.parse(mismatch.stdout) as ModulesReport).diagnostics;
    assert.equal(d.length, 1);
    assert.equal(d[0].line, 2, 'at the weights: line');
    assert.match(d[0].message, /does not fit this model/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown builder is an error at the model line naming the closest builders', { skip }, async () => {
  const { dir, file, cache } = await workspace('# a comment\nmodel: torchvision:resnet19\ndata: {source: mnist, classes: [0, 1]}\n');
  try {
    const r = modules(file, cache);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:8: error: torchvision:resnet19: torchvision [\\d.a-z]+ has no classification model 'resnet19'; did you mean resnet18`,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a Python without torch is named, with what to install', { skip }, async () => {
  const { dir, file, cache } = await workspace('model: torchvision:resnet18\ndata: {source: mnist, classes: [0, 1]}\n');
  try {
    // A real interpreter that cannot see the system's packages: -S leaves out site-packages.
    const bare = path.join(dir, 'python-without-site');
    await writeFile(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    await chmod(bare, 0o755);
    // transferLab.python is an explicit choice: the only one tried (the Python extension's interpreter
    // would be passed over for python3 on PATH or /usr/bin/python3, as the torch engine does).
    const r = modules(file, cache, [], { TRANSFER_LAB_TORCH_PYTHON: bare });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /:1:8: error: torchvision:resnet18 needs PyTorch: .*python-without-site \(transferLab\.python, Python 3[\d.]+\) has no torch and no torchvision\. .*apt install python3-torch python3-torchvision/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the example examples/resnet lists resnet18 offline', { skip }, async () => {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'tl-torchvision-cache-'));
  try {
    const r = modules(path.join(ROOT, 'examples/resnet/resnet.experiment.yaml'), cache, ['--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = JSON.parse(r.stdout) as ModulesReport;
    assert.deepEqual(
      report.modules.map((m) => m.label),
      ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc'],
    );
    assert.equal(report.trainable, 512 * 5 + 5, 'freeze: 8 leaves only fc');
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});
