// Runs on a streamed image folder with a corrupt training file and a corrupt validation file, on
// the wasm engine and on the torch engine (without and with the frozen-prefix cache, which the torch
// worker fills from streamed batches): each finishes, lists each corrupt file once, and computes
// validation accuracy over the readable validation images only (a corrupt one counted as wrong
// would cap red-vs-blue at 7/8). The torch runs need a Python with PyTorch; skipped without.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { probeTorch, TorchProbe } from '../../src/trainer/torch/probeTorch';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { writeExperiment, writeImageFolder } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-streamrun-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let torch: TorchProbe;
before(async () => {
  torch = await probeTorch();
  writeImageFolder(path.join(tmp, 'data'), { classes: ['red', 'blue'], perClass: 10, size: 16, valPerClass: 4 });
  writeFileSync(path.join(tmp, 'data', 'train', 'red', 'corrupt.png'), Buffer.from('not a png at all'));
  writeFileSync(path.join(tmp, 'data', 'val', 'blue', 'cut.png'), Buffer.from('\x89PNG\r\n\x1a\ntruncated'));
});

for (const c of [
  { engine: 'wasm', freeze: '0', cache: false },
  { engine: 'torch', freeze: '0', cache: false },
  { engine: 'torch', freeze: '2', cache: true },
]) {
  test(`${c.engine}, freeze ${c.freeze}: corrupt files skipped once, validation over the readable images`, (t) => {
    if (c.engine === 'torch' && !torch.available) return t.skip(torch.reason);
    const name = `${c.engine}-f${c.freeze}`;
    const exp = writeExperiment(tmp, `${name}.experiment.yaml`, {
      data: '{ source: folder, path: data }',
      epochs: 3,
      batch: 4,
      imgsz: 16,
      freeze: c.freeze,
    });
    const r = runCli(['train', exp, '--json', '--name', name], { env: { TRANSFER_LAB_ENGINE: c.engine }, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    const logs = r.events.flatMap((e) => (e.type === 'log' ? [`${e.level} ${e.message}`] : []));
    assert.equal(logs.filter((l) => /^warn \d corrupt image\(s\) skipped .*corrupt\.png: /.test(l)).length, 1, logs.join('\n'));
    assert.equal(logs.filter((l) => /^warn \d corrupt image\(s\) skipped .*cut\.png: /.test(l)).length, 1, logs.join('\n'));
    assert.ok(
      logs.some((l) => new RegExp(`frozen-prefix cache: ${c.cache ? 'used' : 'not used'}`).test(l)),
      logs.join('\n'),
    );
    const runDir = path.join(tmp, 'runs', name);
    assert.match(readFileSync(path.join(runDir, 'train.log'), 'utf8'), /cut\.png/);
    assert.equal((JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord).engine, c.engine);
    const metrics = readMetricsFile(path.join(runDir, 'metrics.jsonl'));
    assert.equal(metrics.length, 3);
    assert.ok(metrics[2]['val/accuracy'] > 0.99, `red vs blue over the 7 readable val images, got ${metrics[2]['val/accuracy']}`);
  });
}

// The wasm engine's frozen-prefix cache, built from the streamed images in index order into the
// cache folder: the corrupt files' rows are listed as missing in the cache file and never trained
// or evaluated on (a NaN row trained on would end the run with a non-finite loss; a shifted row
// would pair outputs with the wrong labels), whether the cache is read into memory or spilled, and
// when a later run reuses the file without reading any image.
for (const c of [
  { name: 'wasm-f2-memory', env: {}, note: /\(built: [\d.]+ MB of float32 in .*, read into memory; 2 unreadable image\(s\) left out\)/ },
  {
    name: 'wasm-f2-spilled',
    env: { TRANSFER_LAB_CACHE_MEMORY_MB: '0' },
    note: /\(built, spilled: .* batch by batch; 2 unreadable image\(s\) left out\)/,
  },
  {
    name: 'wasm-f2-reused',
    env: { TRANSFER_LAB_CACHE_MEMORY_MB: '0' },
    note: /\(reused, spilled: .* batch by batch; 2 unreadable image\(s\) left out\)/,
  },
]) {
  test(`${c.name}: the cache leaves the corrupt files out, validation over the readable images`, () => {
    const exp = writeExperiment(tmp, `${c.name}.experiment.yaml`, {
      data: '{ source: folder, path: data }',
      epochs: 3,
      batch: 4,
      imgsz: 16,
      freeze: '2',
    });
    const r = runCli(['train', exp, '--json', '--name', c.name], { env: { TRANSFER_LAB_ENGINE: 'wasm', ...c.env }, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    const runDir = path.join(tmp, 'runs', c.name);
    const rec = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(rec.cache?.used, true);
    assert.match(rec.cache?.reason ?? '', c.note);
    const metrics = readMetricsFile(path.join(runDir, 'metrics.jsonl'));
    assert.equal(metrics.length, 3);
    assert.ok(metrics.every((m) => Number.isFinite(m['train/loss'])));
    assert.ok(metrics[2]['val/accuracy'] > 0.99, `red vs blue over the 7 readable val images, got ${metrics[2]['val/accuracy']}`);
  });
}
