// Cost prediction from a model summary and a freeze spec (src/shared/cost): exact FLOP counts by
// hand on the digits example, YOLOv5's published GFLOPs, the gradient rules (input gradients only
// behind the first trainable layer), the frozen-prefix cache and the modules command's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimateCost } from '../../src/trainer/cost/estimateCost';
import { channelsOf } from '../../src/trainer/cost/moduleWork';
import { cachePlan } from '../../src/shared/cost/prefixCache';
import { formatBytes, formatCostLines, formatFlops } from '../../src/trainer/cost/formatCost';
import { formatModulesTable, modulesReport } from '../../src/trainer/cli/modulesTable';
import { loadExperiment } from '../../src/shared/experiment/parse';
import { frozenState } from '../../src/shared/freeze';
import { loadModelSummary } from '../../src/shared/model/load';
import type { ModelSummary } from '../../src/shared/model/types';

const root = path.resolve(__dirname, '../../..');
const digits = path.join(root, 'examples/digits/model.yaml');
const fixture = (name: string): string => path.join(root, 'test/fixtures/models', name);

async function summaryOf(file: string, imgsz: number | undefined, ch = 3, nc = 5): Promise<ModelSummary> {
  const { summary, diagnostics } = await loadModelSummary(file, { imgsz, ch, nc });
  assert.ok(summary, JSON.stringify(diagnostics));
  return summary;
}

// The digits model at 28×28×1: conv weights 144, 4608, 18432 at 28², 14², 7² pixels; Dense 576→64, 64→5.
const CONV = [2 * 144 * 784, 2 * 4608 * 196, 2 * 18432 * 49];
const DENSE = [2 * 576 * 64, 2 * 64 * 5];
const FORWARD = [...CONV, ...DENSE].reduce((a, b) => a + b, 0);

test('digits: forward and backward FLOPs by hand, with nothing frozen and with the backbone frozen', async () => {
  const m = await summaryOf(digits, 28, 1);
  const full = estimateCost(m, 0, 32);
  assert.equal(full.total.forwardFlops, FORWARD);
  // Every weight gradient; every input gradient except the first convolution's (it would go into the image).
  assert.equal(full.total.backwardFlops, 2 * FORWARD - CONV[0]);
  assert.equal(full.modules[0].inputGradientFlops, 0);
  assert.equal(full.modules[2].inputGradientFlops, CONV[1]);
  assert.deepEqual(full.full, full.total);
  assert.equal(full.speedup, 1);

  const backbone = estimateCost(m, 6, 32);
  assert.equal(backbone.total.forwardFlops, FORWARD);
  // Dense 0: weight gradient only (nothing before it trains); Dense 1: both.
  assert.equal(backbone.total.backwardFlops, DENSE[0] + 2 * DENSE[1]);
  assert.deepEqual(
    backbone.modules.map((x) => x.backwardFlops > 0),
    [false, false, false, false, false, false, false, true, true],
  );
  assert.equal(backbone.total.trainableParams, frozenState(m, 6).trainableParams);
  assert.ok(backbone.speedup > 2, `freezing the backbone should pay: ${backbone.speedup}`);
  assert.ok(backbone.total.activationBytes < full.total.activationBytes / 20);
});

test('a frozen module in the middle: no weight gradient, but its input gradient is still needed', async () => {
  const m = await summaryOf(digits, 28, 1);
  const c = estimateCost(m, [2], 32);
  assert.equal(c.modules[2].weightGradientFlops, 0);
  assert.equal(c.modules[2].inputGradientFlops, CONV[1]);
  assert.equal(c.modules[2].trainableParams, 0);
  assert.equal(c.total.backwardFlops, 2 * FORWARD - CONV[0] - CONV[1]);
  // Freezing only the first convolution removes its weight gradient, and the second one's input
  // gradient too: nothing before the second convolution trains any more.
  const first = estimateCost(m, [0], 32);
  assert.equal(first.total.backwardFlops, 2 * FORWARD - 2 * CONV[0] - CONV[1]);
  assert.ok(first.speedup > 1 && first.speedup < c.speedup + 1);
});

test('more frozen modules never predict a slower step', async () => {
  const m = await summaryOf(fixture('yolov5s.yaml'), 320, 3, 80);
  let last = 0;
  for (let k = 0; k <= 24; k += 4) {
    const c = estimateCost(m, k, 16);
    assert.ok(c.speedup >= last - 1e-9, `freeze ${k}: ${c.speedup} < ${last}`);
    last = c.speedup;
  }
});

test('YOLOv5 n/s/m at 640: forward GFLOPs as YOLOv5 publishes them (4.5, 16.5, 49.0)', async () => {
  for (const [name, published] of [
    ['yolov5n.yaml', 4.5],
    ['yolov5s.yaml', 16.5],
    ['yolov5m.yaml', 49.0],
  ] as const) {
    const c = estimateCost(await summaryOf(fixture(name), 640, 3, 80), 0);
    assert.deepEqual(c.unknown, []);
    const g = c.total.forwardFlops / 1e9;
    assert.ok(Math.abs(g - published) / published < 0.02, `${name}: ${g.toFixed(2)} GFLOP vs ${published}`);
  }
});

test('frozen-prefix cache: when it applies, what it stores, and why not otherwise', async () => {
  const m = await summaryOf(digits, 28, 1);
  const c = estimateCost(m, 6, 32);
  assert.equal(c.cache.applies, true);
  // Flatten (module 6) has no parameters: it joins the prefix, and its 576 outputs are what is cached.
  assert.equal(c.cache.start, 7);
  assert.equal(c.cache.bytesPerImage, 576 * 4);
  assert.deepEqual(
    c.modules.map((x) => x.cached),
    [true, true, true, true, true, true, true, false, false],
  );
  assert.ok(c.cache.speedup! > 1 && c.cache.speedupVsFull! > c.speedup);
  assert.equal(estimateCost(m, 0).cache.applies, false);
  assert.match(estimateCost(m, [2]).cache.reason, /no frozen modules at the start/);
  assert.match(estimateCost(m, 9).cache.reason, /every module is frozen/);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-cost-'));
  const file = path.join(dir, 'drop.yaml');
  try {
    await writeFile(
      file,
      'nc: 3\nbackbone:\n  - [-1, 1, Conv, [8, 3, 1]]\n  - [-1, 1, Dropout, [0.2]]\nhead:\n  - [-1, 1, GlobalAvgPool, []]\n  - [-1, 1, Dense, [nc]]\n',
    );
    assert.match(cachePlan(await summaryOf(file, 16), 2).reason, /model\.1 \(Dropout\) in the frozen prefix/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('unknown spatial sizes are reported, not guessed', async () => {
  const noSize = estimateCost(await summaryOf(fixture('yolov5s.yaml'), undefined, 3, 80), 0);
  assert.ok(noSize.unknown.length >= 3);
  assert.match(noSize.unknown[0].reason, /set train\.imgsz/);
  const tfjs = await summaryOf(fixture('tfjs-sequential/model.json'), undefined);
  const c = estimateCost(tfjs, 0);
  assert.ok(c.unknown.some((u) => /model\.json summaries carry no layer shapes/.test(u.reason)));
  assert.equal(c.cache.applies, false);
  assert.match(formatCostLines(c).join('\n'), /cost incomplete: \d+ modules? counted as 0/);
});

test('channels from weight shapes, PyTorch and TensorFlow.js layouts', () => {
  assert.deepEqual(channelsOf('Conv2d', [64, 32, 3, 3]), { inChannels: 32, outChannels: 64 });
  assert.deepEqual(channelsOf('Conv2d', [32, 1, 5, 5]), { inChannels: 32, outChannels: 32 }); // depthwise
  assert.deepEqual(channelsOf('ConvTranspose2d', [16, 8, 2, 2]), { inChannels: 16, outChannels: 8 });
  assert.deepEqual(channelsOf('Linear', [10, 256]), { inChannels: 256, outChannels: 10 });
  assert.deepEqual(channelsOf('Conv2D', [3, 3, 8, 16]), { inChannels: 8, outChannels: 16 });
  assert.deepEqual(channelsOf('DepthwiseConv2D', [3, 3, 8, 2]), { inChannels: 8, outChannels: 16 });
  assert.deepEqual(channelsOf('Dense', [256, 10]), { inChannels: 256, outChannels: 10 });
});

test('formatting: FLOPs, bytes and the cost lines', async () => {
  assert.equal(formatFlops(3912832), '3.91 MFLOP');
  assert.equal(formatFlops(16.43e9), '16.4 GFLOP');
  assert.equal(formatFlops(512), '512 FLOP');
  assert.equal(formatBytes(2304), '2.25 KB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.00 MB');
  const lines = formatCostLines(estimateCost(await summaryOf(digits, 28, 1), 6, 32));
  assert.match(lines[0], /^cost per image: forward 3\.91 MFLOP, backward 75\.0 kFLOP \(7\.60 MFLOP with nothing frozen\)/);
  assert.match(lines[1], /faster than training everything; \d+x with the frozen-prefix cache \(2\.25 KB cached per image\)/);
});

test('transfer-lab modules: the report carries the cost, the table a cost line', async () => {
  const exp = await loadExperiment(path.join(root, 'examples/digits/transfer.experiment.yaml'));
  const report = await modulesReport(exp, 6);
  assert.ok(report.cost);
  assert.equal(report.cost.batch, exp.train.batch);
  assert.equal(report.cost.total.forwardFlops, FORWARD);
  assert.equal(report.cost.total.trainableParams, report.trainable);
  const json = JSON.parse(JSON.stringify(report)) as { cost: { speedup: number; modules: unknown[] } };
  assert.equal(json.cost.modules.length, report.modules.length);
  assert.match(formatModulesTable(report), /\ncost per image: forward 3\.91 MFLOP[^\n]*\npredicted step time: [\d.]+x faster/);
});
