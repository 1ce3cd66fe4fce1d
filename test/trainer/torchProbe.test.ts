// Finding PyTorch for the torch engine: the version gate, what a Python without torch or with an old
// one says, and (for tfjs-node-gpu) the CUDA libraries named when they are missing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingCudaLibraries, missingLibraryIn } from '../../src/trainer/system/cudaLibraries';
import { probeTorch, torchVersionOk } from '../../src/trainer/torch/probeTorch';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torchprobe-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An executable that answers the probe as a Python with `answer` would (sh, no Python needed). */
function interpreter(name: string, answer: object): string {
  const file = path.join(tmp, name);
  writeFileSync(file, `#!/bin/sh\necho '${JSON.stringify(answer)}'\n`);
  chmodSync(file, 0o755);
  return file;
}

test('torch >= 1.13: release, local and pre-release versions', () => {
  for (const v of ['1.13.1', '1.13.0a0', '2.1.0+cu121', '10.0']) assert.ok(torchVersionOk(v), v);
  for (const v of ['1.12.1', '0.4.1', 'nightly']) assert.ok(!torchVersionOk(v), v);
});

test('the chosen interpreter without torch, with an old torch, and with CUDA', { skip: process.platform === 'win32' }, async () => {
  const none = interpreter('none', { python: 'none', pythonVersion: '3.11.2', error: 'ModuleNotFoundError: No module named torch' });
  const r1 = await probeTorch(undefined, { PATH: '', TRANSFER_LAB_TORCH_PYTHON: none });
  assert.equal(r1.available, false);
  assert.match(
    r1.reason,
    /none \(transferLab\.python\): no PyTorch \(ModuleNotFoundError: No module named torch\); install PyTorch >= 1\.13/,
  );

  const old = interpreter('old', { python: 'old', pythonVersion: '3.8.0', torch: '1.12.1', cuda: false, mps: false });
  const r2 = await probeTorch(old, { PATH: '' });
  assert.equal(r2.available, false);
  assert.match(r2.reason, /the experiment's python:\): PyTorch 1\.12\.1 is older than 1\.13/);

  const gpu = interpreter('gpu', {
    python: 'gpu',
    pythonVersion: '3.11.2',
    torch: '2.2.0',
    cuda: true,
    cudaDevices: ['NVIDIA H100'],
    mps: false,
  });
  const r3 = await probeTorch(undefined, { PATH: '', TRANSFER_LAB_PYTHON: gpu });
  assert.deepEqual([r3.available, r3.device, r3.deviceName, r3.python], [true, 'cuda', 'NVIDIA H100', gpu]);
  assert.match(r3.reason, /PyTorch 2\.2\.0 on CUDA: NVIDIA H100, Python 3\.11\.2/);
});

test('tfjs-node-gpu: the CUDA 11 libraries it links against are named when missing', { skip: process.platform !== 'linux' }, () => {
  assert.deepEqual(
    missingCudaLibraries({ LD_LIBRARY_PATH: '/opt/cuda11' }, () => false),
    ['libcudart.so.11.0', 'libcudnn.so.8'],
  );
  assert.deepEqual(
    missingCudaLibraries({ LD_LIBRARY_PATH: '/opt/cuda11' }, (f) => f === '/opt/cuda11/libcudart.so.11.0'),
    ['libcudnn.so.8'],
  );
  assert.deepEqual(
    missingCudaLibraries({}, (f) => f.startsWith('/usr/local/cuda/lib64/')),
    [],
  );
  assert.equal(missingLibraryIn('libcudart.so.11.0: cannot open shared object file: No such file or directory'), 'libcudart.so.11.0');
  assert.equal(missingLibraryIn('some other failure'), undefined);
});
