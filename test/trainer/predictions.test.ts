// predictions/*.json from per-image outputs: the confusion matrix, the top-loss list (ties by index)
// and the thumbnails exact on a hand-made set; the 2 MB bound on 10,000 validation images; the
// recorder's best/last files, written atomically, and a failed write that only warns.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { predictionsProblem, type Predictions } from '../../src/shared/runFolder/predictions';
import { buildPredictions, PREDICTIONS_MAX_BYTES, PredictionsInput } from '../../src/trainer/predictions/buildPredictions';
import type { ImageOutputs } from '../../src/trainer/predictions/imageOutputs';
import { PredictionsRecorder } from '../../src/trainer/predictions/recorder';
import { confusionMatrix, thumbnailOrder, topLosses } from '../../src/trainer/predictions/summarize';
import { THUMBNAIL_SIDE, thumbnailPng, ValImages } from '../../src/trainer/predictions/thumbnails';
import { seededRandom } from '../../src/trainer/random';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-predictions-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Seven 2×2 grey images, three classes. Losses 2, 2 and 1.5, 1.5 tie; mistakes are images 1, 3, 5.
const TRUTH = [0, 1, 2, 0, 1, 2, 0];
const OUT: ImageOutputs = {
  predicted: Int32Array.from([0, 2, 2, 1, 1, 0, 0]),
  probability: Float32Array.from([0.5, 0.75, 0.5, 0.625, 0.875, 0.5, 0.25]),
  loss: Float32Array.from([0.5, 2, 0.25, 1.5, 0.125, 2, 1.5]),
};
const SHAPE: [number, number, number] = [2, 2, 1];
const PIXELS = TRUTH.map((_, i) => Float32Array.from([0, 1, i / 7, 0.5]));
const IMAGES: ValImages = { shape: SHAPE, pixels: (i) => PIXELS[i] };

function input(o: Partial<PredictionsInput> = {}): PredictionsInput {
  return {
    epoch: 3,
    weights: 'best',
    classes: ['a', 'b', 'c'],
    truth: TRUTH,
    outputs: OUT,
    topLosses: 2,
    thumbnail: (i) => thumbnailPng(PIXELS[i], SHAPE),
    ...o,
  };
}

function decode(base64: string): PNG {
  return PNG.sync.read(Buffer.from(base64, 'base64'));
}

test('the confusion matrix, top losses and thumbnail order are exact on a hand-made set', () => {
  assert.deepEqual(confusionMatrix(TRUTH, OUT.predicted, 3), [
    [2, 1, 0],
    [0, 1, 1],
    [1, 0, 1],
  ]);
  // Highest loss first; equal losses in index order (1 before 5, 3 before 6).
  assert.deepEqual(topLosses(OUT, TRUTH, 4), [
    { index: 1, truth: 1, predicted: 2, probability: 0.75, loss: 2 },
    { index: 5, truth: 2, predicted: 0, probability: 0.5, loss: 2 },
    { index: 3, truth: 0, predicted: 1, probability: 0.625, loss: 1.5 },
    { index: 6, truth: 0, predicted: 0, probability: 0.25, loss: 1.5 },
  ]);
  assert.deepEqual(
    topLosses(OUT, TRUTH, 100).map((p) => p.index),
    [1, 5, 3, 6, 0, 2, 4],
  );
  // The top losses (right or wrong), then the other mistakes by loss; correct images beyond the top never.
  assert.deepEqual(thumbnailOrder(OUT, TRUTH, 1), [1, 5, 3]);
  assert.deepEqual(thumbnailOrder(OUT, TRUTH, 4), [1, 5, 3, 6]);
  assert.deepEqual(thumbnailOrder(OUT, TRUTH, 0), [1, 5, 3]);
});

test('buildPredictions: every field exact, thumbnails the images themselves, valid by predictionsProblem', () => {
  const { predictions, text } = buildPredictions(input({ files: TRUTH.map((_, i) => `val/x/${i}.png`) }));
  assert.equal(predictionsProblem(JSON.parse(text)), undefined);
  assert.deepEqual(JSON.parse(text), predictions);
  const { thumbnails, ...rest } = predictions;
  assert.deepEqual(rest, {
    version: 1,
    epoch: 3,
    weights: 'best',
    classes: ['a', 'b', 'c'],
    confusion: [
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ],
    predicted: [0, 2, 2, 1, 1, 0, 0],
    truth: TRUTH,
    files: ['val/x/0.png', 'val/x/1.png', 'val/x/2.png', 'val/x/3.png', 'val/x/4.png', 'val/x/5.png', 'val/x/6.png'],
    topLosses: [
      { index: 1, truth: 1, predicted: 2, probability: 0.75, loss: 2 },
      { index: 5, truth: 2, predicted: 0, probability: 0.5, loss: 2 },
    ],
  });
  assert.deepEqual(Object.keys(thumbnails).sort(), ['1', '3', '5']);
  for (const [key, png] of Object.entries(thumbnails)) {
    const img = decode(png);
    assert.deepEqual([img.width, img.height], [2, 2]);
    const grey = [0, 1, 2, 3].map((p) => img.data[p * 4]);
    assert.deepEqual(grey, [0, 255, Math.round((Number(key) / 7) * 255), 128], `thumbnail ${key}`);
  }
});

test('thumbnails: grey stays one channel at its size; larger images shrink to 48 px', () => {
  const grey = Buffer.from(thumbnailPng(new Float32Array(28 * 28).fill(0.25), [28, 28, 1]), 'base64');
  assert.deepEqual([grey.readUInt32BE(16), grey.readUInt32BE(20), grey[25]], [28, 28, 0]); // IHDR: width, height, colour type grey
  const rgb = Buffer.from(thumbnailPng(new Float32Array(64 * 96 * 3).fill(0.5), [64, 96, 3]), 'base64');
  assert.deepEqual([rgb.readUInt32BE(16), rgb.readUInt32BE(20), rgb[25]], [THUMBNAIL_SIDE, 32, 2]); // 96×64 → 48×32, RGB
  assert.deepEqual([...decode(rgb.toString('base64')).data.subarray(0, 4)], [128, 128, 128, 255]);
});

test('thumbnails stop at the byte bound, counted exactly', () => {
  const none = Buffer.byteLength(buildPredictions(input({ thumbnail: () => '' })).text) - 3 * 5 - 2; // three `"i":""` entries, two commas
  const two = buildPredictions(input({ maxBytes: Number.MAX_SAFE_INTEGER, topLosses: 2 })).predictions;
  const firstTwo = Buffer.byteLength(`${JSON.stringify({ ...two, thumbnails: { 1: two.thumbnails[1], 5: two.thumbnails[5] } })}\n`);
  assert.ok(firstTwo > none);
  const exact = buildPredictions(input({ maxBytes: firstTwo }));
  assert.deepEqual(Object.keys(exact.predictions.thumbnails), ['1', '5']);
  assert.equal(Buffer.byteLength(exact.text), firstTwo);
  assert.deepEqual(Object.keys(buildPredictions(input({ maxBytes: firstTwo - 1 })).predictions.thumbnails), ['1']);
  assert.deepEqual(buildPredictions(input({ maxBytes: none })).predictions.thumbnails, {});
});

/** 10,000 noise images (the worst case for PNG), 10 classes, mostly wrong, with image-folder paths. */
function bigSet(shape: [number, number, number]): PredictionsInput {
  const n = 10_000;
  const rnd = seededRandom(7);
  const size = shape[0] * shape[1] * shape[2];
  const truth = Array.from({ length: n }, () => Math.floor(rnd() * 10));
  const outputs: ImageOutputs = {
    predicted: Int32Array.from({ length: n }, () => Math.floor(rnd() * 10)),
    probability: Float32Array.from({ length: n }, () => rnd()),
    loss: Float32Array.from({ length: n }, () => rnd() * 10),
  };
  const pixels = (i: number): Float32Array => {
    const r = seededRandom(i + 1);
    return Float32Array.from({ length: size }, () => r());
  };
  return {
    epoch: 5,
    weights: 'last',
    classes: Array.from({ length: 10 }, (_, k) => `class_${k}`),
    truth,
    files: truth.map((t, i) => `val/class_${t}/IMG_20240101_${String(i).padStart(6, '0')}.jpg`),
    outputs,
    topLosses: 32,
    thumbnail: (i) => thumbnailPng(pixels(i), shape),
  };
}

for (const shape of [
  [28, 28, 1],
  [64, 64, 3],
] as Array<[number, number, number]>) {
  test(`10,000 validation images × 10 classes (${shape.join('×')}) stay within ${PREDICTIONS_MAX_BYTES} bytes`, () => {
    const p = bigSet(shape);
    const { predictions, text } = buildPredictions(p);
    const bytes = Buffer.byteLength(text);
    assert.ok(bytes <= PREDICTIONS_MAX_BYTES, `${bytes} bytes`);
    assert.equal(predictionsProblem(JSON.parse(text)), undefined);
    const kept = Object.keys(predictions.thumbnails).map(Number);
    const order = thumbnailOrder(p.outputs, p.truth, 32);
    assert.ok(kept.length >= 32 && kept.length < order.length, `${kept.length} thumbnails`);
    // The first ones in order, and the next would not have fitted.
    assert.deepEqual(new Set(kept), new Set(order.slice(0, kept.length)));
    const next = order[kept.length];
    assert.ok(bytes + String(next).length + p.thumbnail(next).length + 6 > PREDICTIONS_MAX_BYTES);
    assert.equal(predictions.predicted.length, 10_000);
  });
}

const folder = (name: string): string => path.join(tmp, name);

test('the recorder writes best.json on a new best, last.json at the end, atomically', () => {
  const run = folder('rec');
  const warnings: string[] = [];
  const source = { classes: ['a', 'b', 'c'], truth: TRUTH, images: IMAGES, topLosses: 2 };
  const rec = new PredictionsRecorder(run, source, (_l, m) => warnings.push(m));
  const worse: ImageOutputs = { ...OUT, predicted: Int32Array.from([1, 2, 2, 1, 1, 0, 0]) };
  rec.evaluated(1, OUT, true);
  rec.evaluated(2, worse, false);
  const read = (f: string): Predictions => JSON.parse(readFileSync(path.join(run, 'predictions', f), 'utf8')) as Predictions;
  assert.deepEqual([read('best.json').epoch, read('best.json').weights], [1, 'best']);
  assert.ok(!existsSync(path.join(run, 'predictions', 'last.json')));
  rec.finish();
  assert.deepEqual([read('last.json').epoch, read('last.json').weights, read('last.json').predicted[0]], [2, 'last', 1]);
  assert.deepEqual(read('best.json').predicted[0], 0);
  assert.deepEqual(readdirSync(path.join(run, 'predictions')).sort(), ['best.json', 'last.json'], 'no temporary left');
  assert.deepEqual(warnings, []);
});

test('a predictions write that fails, or outputs that are not finite, warn and leave the run going', () => {
  const run = folder('fail');
  const warnings: string[] = [];
  const source = { classes: ['a', 'b', 'c'], truth: TRUTH, images: IMAGES, topLosses: 2 };
  writeFileSync(path.join(tmp, 'fail'), 'a file where the run folder would be');
  const rec = new PredictionsRecorder(run, source, (_l, m) => warnings.push(m));
  assert.doesNotThrow(() => rec.evaluated(1, OUT, true));
  assert.match(warnings[0], /predictions\/best\.json not written \(the run goes on\)/);

  const ok = folder('nan');
  const nan = new PredictionsRecorder(ok, source, (_l, m) => warnings.push(m));
  nan.evaluated(1, { ...OUT, loss: Float32Array.from([0.5, NaN, 0, 0, 0, 0, 0]) }, true);
  assert.match(warnings[1], /best\.json not written.*validation image 1 is not finite/);
  assert.ok(!existsSync(path.join(ok, 'predictions', 'best.json')));
  nan.finish();
  assert.match(warnings[2], /last\.json not written/);
  // No epoch evaluated (or an engine without per-image outputs): nothing written, nothing to say.
  const idle = new PredictionsRecorder(ok, source, (_l, m) => warnings.push(m));
  idle.evaluated(1, undefined, true);
  idle.finish();
  assert.equal(warnings.length, 3);
  assert.ok(!existsSync(path.join(ok, 'predictions')));
});
