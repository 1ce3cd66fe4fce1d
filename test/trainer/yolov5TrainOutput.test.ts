// What train.py prints, read as YOLOv5 prints it: tqdm progress redrawn with '\r', the start-up
// device line, and the last words of a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureMessage, isEpochHeader, parseDeviceLine, parseTrainProgress, TerminalLines } from '../../src/trainer/yolov5/trainOutput';

// YOLOv5 v7: ('%11s' * 2 + '%11.4g' * 5) % (f'{epoch}/{epochs - 1}', mem, *mloss, targets, imgsz) + tqdm's bar.
const V7 = '        3/49      3.39G    0.04233    0.06587    0.01977        225        640:  25%|██▌       | 2/8 [00:02<00:05,  1.09it/s]';
// YOLOv5 v6: '%10s' columns.
const V6 = '      0/299     2.96G   0.04613   0.07127   0.02196       202       640: 100%|██████████| 8/8 [00:05<00:00,  1.49it/s]';

test('progress bars of v7 and v6 give epoch, batches and losses; other lines give nothing', () => {
  assert.deepEqual(parseTrainProgress(V7), {
    epoch: 3,
    lastEpoch: 49,
    gpuMem: '3.39G',
    losses: [0.04233, 0.06587, 0.01977],
    done: 2,
    of: 8,
  });
  const p6 = parseTrainProgress(V6)!;
  assert.equal(p6.epoch, 0);
  assert.equal(p6.lastEpoch, 299);
  assert.equal(p6.done, 8);
  assert.equal(p6.of, 8);
  const big = parseTrainProgress(
    '       12/99         0G    0.03101     0.0445   0.008771  1.234e+04        640:  50%|█████     | 4/8 [00:02<00:02,  1.5it/s]',
  )!;
  assert.equal(big.epoch, 12);
  for (const other of [
    '                 Class     Images  Instances          P          R      mAP50   mAP50-95:  50%|█████     | 1/2 [00:01<00:01,  1.01s/it]',
    '                   all        128        929      0.712      0.634      0.703      0.461',
    '      Epoch    GPU_mem   box_loss   obj_loss   cls_loss  Instances       Size',
  ])
    assert.equal(parseTrainProgress(other), undefined, other);
  assert.ok(isEpochHeader('      Epoch    GPU_mem   box_loss   obj_loss   cls_loss  Instances       Size'));
  assert.ok(isEpochHeader('     Epoch   gpu_mem       box       obj       cls    labels  img_size'), 'v6 header');
  assert.ok(!isEpochHeader('Starting training for 3 epochs...'));
});

test('terminal redraws: every \\r update is seen, the log keeps the final state of each line', () => {
  const t = new TerminalLines();
  const a = t.push('start\n\r  0%|    | 0/4\r 50%|██  | 2');
  assert.deepEqual(a.lines, ['start']);
  assert.deepEqual(a.updates, ['start', '  0%|    | 0/4']);
  const b = t.push(Buffer.from('/4\r100%|████| 4/4\nnext line\r\n'));
  assert.deepEqual(b.updates, [' 50%|██  | 2/4', '100%|████| 4/4', 'next line']);
  assert.deepEqual(b.lines, ['100%|████| 4/4', 'next line']);
  assert.deepEqual(t.push('no newline at the end').lines, []);
  assert.deepEqual(t.end().lines, ['no newline at the end']);
  // A multi-byte character split between chunks.
  const u = new TerminalLines();
  const bytes = Buffer.from('█\n');
  assert.deepEqual(u.push(bytes.subarray(0, 1)).lines, []);
  assert.deepEqual(u.push(bytes.subarray(1)).lines, ['█']);
});

test('the device YOLOv5 names at start-up', () => {
  assert.equal(
    parseDeviceLine('YOLOv5 🚀 v7.0-187-g0004c74 Python-3.10.12 torch-2.0.1+cu118 CUDA:0 (NVIDIA A100-SXM4-40GB, 40536MiB)'),
    'CUDA:0 (NVIDIA A100-SXM4-40GB, 40536MiB)',
  );
  assert.equal(parseDeviceLine('YOLOv5 🚀 2023-4-1 Python-3.9.16 torch-2.0.0 CPU'), 'CPU');
  assert.equal(
    parseDeviceLine('YOLOv5  v6.2-0-gd3ea0df Python-3.8.10 torch-1.13.1 CUDA:0 (Tesla T4, 15110MiB)\n'),
    'CUDA:0 (Tesla T4, 15110MiB)',
  );
  assert.equal(parseDeviceLine('train: weights=yolov5s.pt, cfg='), undefined);
});

test('a crash: the exception line leads (the row shows it), the traceback tail follows', () => {
  const tail = [
    '        0/2         0G    0.04233    0.06587    0.01977        225        640:  25%|██▌       | 2/8',
    'Traceback (most recent call last):',
    '  File "/y/train.py", line 640, in <module>',
    '    main(opt)',
    'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
    '',
  ];
  const msg = failureMessage('exit code 1', tail);
  const lines = msg.split('\n');
  assert.equal(
    lines[0],
    'YOLOv5 train.py failed (exit code 1): torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
  );
  assert.ok(lines.includes('  File "/y/train.py", line 640, in <module>'), 'the traceback is kept');
  assert.ok(!msg.includes('25%|'), 'progress bars are not error lines');
  assert.match(
    failureMessage('exit code 1', ['AssertionError: File not found: nope.yaml']),
    /: AssertionError: File not found: nope\.yaml/,
  );
  assert.match(
    failureMessage('exit code 2', ['usage: train.py [-h]', 'train.py: error: unrecognized arguments: --bogus']),
    /: train\.py: error: unrecognized arguments: --bogus/,
  );
  assert.match(failureMessage('ended by SIGKILL', []), /ended by SIGKILL\): it printed nothing/);
});
