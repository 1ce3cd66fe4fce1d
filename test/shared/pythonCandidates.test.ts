// One order for every Python Transfer Lab runs (src/shared/python/pythonCandidates.ts): the torch
// engine's probe, the torchvision inspection (Modules view, `transfer-lab modules`) and YOLOv5's
// train.py. An explicit choice (the experiment's key, transferLab.python) is the only candidate;
// otherwise the Python extension's interpreter, python3 on PATH and /usr/bin/python3 in turn.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pythonCandidates } from '../../src/shared/python/pythonCandidates';
import { findTorchvisionPython } from '../../src/shared/torchvision/python';
import { resolvePython } from '../../src/trainer/yolov5/pythonCommand';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-pycand-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const posix = process.platform === 'win32' ? 'POSIX shell scripts as interpreters' : false;

/** An executable named `name` in `dir` that prints `answer` (sh, no Python needed). */
function fake(dir: string, name: string, answer: object): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho '${JSON.stringify(answer)}'\n`);
  chmodSync(file, 0o755);
  return file;
}

test('explicit choices stand alone; otherwise editor, PATH, system in turn', { skip: posix }, async () => {
  const bin = path.join(tmp, 'bin');
  const onPath = fake(bin, 'python3', {});
  const env = { PATH: bin, TRANSFER_LAB_PYTHON: '/opt/editor/python', TRANSFER_LAB_TORCH_PYTHON: '/opt/setting/python' };
  assert.deepEqual(
    (await pythonCandidates({ experiment: 'py3.11', useSetting: true, systemPython: true, env })).map((c) => [c.python, c.kind]),
    [['py3.11', 'experiment']],
  );
  assert.deepEqual(
    (await pythonCandidates({ useSetting: true, systemPython: true, env })).map((c) => c.kind),
    ['setting'],
  );
  // YOLOv5 does not read transferLab.python, nor fall back to /usr/bin/python3.
  assert.deepEqual(
    (await pythonCandidates({ env })).map((c) => [c.python, c.kind]),
    [
      ['/opt/editor/python', 'editor'],
      [onPath, 'path'],
    ],
  );
  // The host passes the setting and the editor's interpreter itself (the Modules view).
  assert.deepEqual(
    (await pythonCandidates({ useSetting: true, systemPython: true, setting: '', editor: '/x/python', env: { PATH: bin } })).map((c) => [
      c.python,
      c.kind,
    ]),
    [
      ['/x/python', 'editor'],
      [onPath, 'path'],
      ['/usr/bin/python3', 'system'],
    ],
  );
  // resolvePython keeps YOLOv5's order and messages.
  assert.deepEqual(await resolvePython(undefined, 'e.yaml', { PATH: bin }), { command: onPath, source: 'PATH' });
  await assert.rejects(
    resolvePython(undefined, 'e.yaml', { PATH: bin, TRANSFER_LAB_PYTHON: '/opt/editor/python', TRANSFER_LAB_TORCH_PYTHON: onPath }),
    /the interpreter selected in the Python extension is \/opt\/editor\/python, which is not an executable file/,
  );
  await assert.rejects(resolvePython('nope', 'e.yaml', { PATH: bin }), /yolov5\.python in e\.yaml is 'nope', which is not on PATH/);
});

test(
  'the torchvision inspection takes the first candidate with torch and torchvision, naming the ones without',
  { skip: posix },
  async () => {
    const noTorch = fake(path.join(tmp, 'venv'), 'python', {
      executable: '/venv/python',
      python: '3.12.1',
      torch: null,
      torchvision: null,
    });
    const hasBoth = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
    if (hasBoth) {
      const p = await findTorchvisionPython({ editor: noTorch, env: { PATH: '' } });
      assert.equal(p.command, '/usr/bin/python3');
      assert.match(p.torchvision ?? '', /^\d+\./);
    }
    // An explicit choice without torch is an error naming it; no other Python is tried.
    await assert.rejects(findTorchvisionPython({ experiment: noTorch, env: { PATH: '' } }), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`${noTorch} \\(the experiment's python:, Python 3\\.12\\.1\\) has no torch and no torchvision\\. Install PyTorch`),
      );
      return true;
    });
  },
);

test("`transfer-lab modules` inspects a torchvision model with the experiment's python:", { skip: posix }, () => {
  const dir = path.join(tmp, 'modules');
  const py = fake(dir, 'python-without-torch', { executable: '/p', python: '3.11.0', torch: null, torchvision: null });
  const file = path.join(dir, 'tv.experiment.yaml');
  writeFileSync(file, `model: torchvision:resnet18\npython: ${py}\ndata: { source: mnist, classes: [0, 1] }\ntrain: { imgsz: 32 }\n`);
  const r = runCli(['modules', file], { env: { TRANSFER_LAB_CACHE_DIR: path.join(dir, 'cache') } });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stdout + r.stderr,
    new RegExp(`torchvision:resnet18 needs PyTorch: .*${py} \\(the experiment's python:, Python 3\\.11\\.0\\) has no torch`),
  );
});
