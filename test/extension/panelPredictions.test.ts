// The panel host's side of the Predictions section: reading a run's predictions files (best before
// last, a bad file named with what is wrong), YOLOv5's plots, the image an index may open, and
// sending each run's view once, again only when its files change.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { predictionImageFile, readRunPredictionsView, type RunFiles } from '../../src/extension/panel/predictionsFiles';
import { PanelPredictions } from '../../src/extension/panel/panelPredictions';
import { hostMessageProblem, webviewMessageProblem, type HostMessage } from '../../src/shared/panel/contract';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { handMadePredictions, TINY_PNG } from '../support/predictionsFixture';

const record = (patch: Partial<RunRecord> = {}): RunRecord => ({
  name: 'r',
  status: 'finished',
  experiment: '/e.yaml',
  freeze: 0,
  ...patch,
});

function runDir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-pred-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const noLog = () => undefined;

test('best.json is read before last.json, checked, and sent whole', async () => {
  const best = handMadePredictions({ epoch: 2 });
  const dir = runDir({
    'predictions/best.json': JSON.stringify(best),
    'predictions/last.json': JSON.stringify(handMadePredictions({ weights: 'last' })),
  });
  const view = await readRunPredictionsView({ dir, record: record() }, noLog);
  assert.deepEqual(view, { kind: 'predictions', file: path.join(dir, 'predictions', 'best.json'), predictions: best });
  assert.equal(hostMessageProblem({ type: 'predictions', run: 'r', view }), undefined);
});

test('only last.json: that one; none: where the host looked', async () => {
  const dir = runDir({ 'predictions/last.json': JSON.stringify(handMadePredictions({ weights: 'last' })) });
  const view = await readRunPredictionsView({ dir, record: record() }, noLog);
  assert.equal(view.kind === 'predictions' && view.predictions.weights, 'last');
  const empty = runDir();
  assert.deepEqual(await readRunPredictionsView({ dir: empty, record: record() }, noLog), {
    kind: 'missing',
    looked: [path.join(empty, 'predictions', 'best.json'), path.join(empty, 'predictions', 'last.json')],
  });
});

test('an invalid file becomes a message naming the file and what is wrong', async () => {
  const bad = handMadePredictions({ confusion: [[1, 2]] });
  const dir = runDir({ 'predictions/best.json': JSON.stringify(bad) });
  const view = await readRunPredictionsView({ dir, record: record() }, noLog);
  assert.equal(view.kind, 'problem');
  assert.ok(view.kind === 'problem' && view.message.includes(path.join(dir, 'predictions', 'best.json')));
  assert.match(view.kind === 'problem' ? view.message : '', /"confusion" is not 3×3/);
  const torn = runDir({ 'predictions/best.json': '{"version": 1, "epo' });
  const v2 = await readRunPredictionsView({ dir: torn, record: record() }, noLog);
  assert.match(v2.kind === 'problem' ? v2.message : '', /best\.json cannot be read as JSON/);
});

test("a YOLOv5 run shows train.py's plots as data: URLs, and names those missing (--noplots)", async () => {
  const png = Buffer.from(TINY_PNG, 'base64');
  const jpg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
  const dir = runDir({ 'confusion_matrix.png': png, 'val_batch1_pred.jpg': jpg, 'val_batch0_pred.jpg': jpg, 'val_batch0_labels.jpg': jpg });
  const view = await readRunPredictionsView({ dir, record: record({ trainer: 'yolov5' }) }, noLog);
  assert.equal(view.kind, 'yolov5');
  if (view.kind !== 'yolov5') return;
  assert.deepEqual(
    view.plots.map((p) => p.name),
    ['confusion_matrix.png', 'val_batch0_pred.jpg', 'val_batch1_pred.jpg'],
  );
  assert.equal(view.plots[0].src, `data:image/png;base64,${TINY_PNG}`);
  assert.deepEqual(view.missing, []);
  assert.equal(hostMessageProblem({ type: 'predictions', run: 'r', view }), undefined);

  const logged: string[] = [];
  const noplots = runDir({ 'results.csv': 'epoch\n', 'val_batch0_pred.jpg': 'not a jpeg' });
  const none = await readRunPredictionsView({ dir: noplots, record: record({ trainer: 'yolov5' }) }, (m) => logged.push(m));
  assert.deepEqual(none, { kind: 'yolov5', dir: noplots, plots: [], missing: ['confusion_matrix.png', 'val_batch*_pred.jpg'] });
  assert.match(logged.join('\n'), /val_batch0_pred\.jpg is not a JPEG image/);
});

test('the page cannot smuggle a path or a file URL in as an image', () => {
  const view = { kind: 'yolov5', dir: '/r', plots: [{ name: 'x.png', src: 'file:///etc/passwd' }], missing: [] };
  assert.match(hostMessageProblem({ type: 'predictions', run: 'r', view }) ?? '', /not a name and an image data URL/);
  const thumbs = { kind: 'predictions', file: '/f', predictions: handMadePredictions({ thumbnails: { '1': '"><script>' } }) };
  assert.match(hostMessageProblem({ type: 'predictions', run: 'r', view: thumbs }) ?? '', /thumbnail is not base64/);
  assert.equal(webviewMessageProblem({ type: 'openPredictionImage', run: 'r', index: 2 }), undefined);
  assert.ok(webviewMessageProblem({ type: 'openPredictionImage', run: 'r', index: -1 }));
  assert.ok(webviewMessageProblem({ type: 'openPredictionImage', run: 'r', path: '/etc/passwd' }));
  assert.ok(webviewMessageProblem({ type: 'requestPredictions', runs: 'r' }));
});

test('an image index opens only a listed file under the data folder the run recorded', () => {
  const files = ['val/cat/1.png', 'val/dog/2.png', '../outside.png', '/etc/passwd'];
  const p = handMadePredictions({ truth: [0, 1, 0, 0], predicted: [0, 1, 0, 0], files });
  const folder = record({ data: 'folder /data/pets' });
  assert.deepEqual(predictionImageFile(folder, p, 1), { file: path.join('/data/pets', 'val', 'dog', '2.png') });
  assert.match(JSON.stringify(predictionImageFile(folder, p, 4)), /image 4 is not among the 4 validation images/);
  assert.match(JSON.stringify(predictionImageFile(folder, p, 2)), /outside its data folder/);
  assert.match(JSON.stringify(predictionImageFile(folder, p, 3)), /outside its data folder/);
  assert.match(JSON.stringify(predictionImageFile(record({ data: 'mnist digits 0,1' }), p, 0)), /did not train on an image folder/);
  assert.match(JSON.stringify(predictionImageFile(folder, handMadePredictions(), 0)), /list no image files/);
});

test('each requested run is sent once, and again only when its file changes', async () => {
  const dir = runDir({ 'predictions/best.json': JSON.stringify(handMadePredictions()) });
  const runs = new Map<string, RunFiles>([['r', { dir, record: record() }]]);
  const sent: HostMessage[] = [];
  const host = new PanelPredictions(
    (n) => runs.get(n),
    (m) => sent.push(m),
    noLog,
  );
  host.request(['r', 'unknown']);
  await host.idle();
  assert.deepEqual(
    sent.map((m) => m.type === 'predictions' && m.view.kind),
    ['predictions'],
  );
  assert.equal(host.predictionsOf('r')?.epoch, 3);
  host.changed('r');
  await host.idle();
  assert.equal(sent.length, 1, 'unchanged files are not sent again');
  writeFileSync(path.join(dir, 'predictions', 'best.json'), JSON.stringify(handMadePredictions({ epoch: 7, thumbnails: {} })));
  host.changed('r');
  await host.idle();
  assert.equal(sent.length, 2);
  assert.equal(host.predictionsOf('r')?.epoch, 7);
  host.reset();
  host.request(['r']);
  await host.idle();
  assert.equal(sent.length, 3, 'a reloaded page gets it again');
  host.request([]);
  host.changed('r');
  await host.idle();
  assert.equal(sent.length, 3, 'a run the page no longer shows is not sent');
});
