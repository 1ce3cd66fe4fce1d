// Whether the editor offers to resume a run: a checkpoint in weights/last, whichever engine wrote it
// (tfjs model.json, a torchvision run's torchvision.json, YOLOv5's last.pt).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasCheckpoint } from '../../src/extension/runs/localRunFolder';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-localrun-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a weights/last of a tfjs or a torchvision run is a checkpoint; an empty run folder is not', async () => {
  for (const [name, file] of [
    ['tfjs', 'model.json'],
    ['torchvision', 'torchvision.json'],
  ]) {
    const dir = path.join(tmp, name);
    mkdirSync(path.join(dir, 'weights', 'last'), { recursive: true });
    writeFileSync(path.join(dir, 'weights', 'last', file), '{}');
    assert.equal(await hasCheckpoint(dir), true, name);
  }
  mkdirSync(path.join(tmp, 'empty'));
  assert.equal(await hasCheckpoint(path.join(tmp, 'empty')), false);
});
