// Pretrained weights from a task with other classes (digits 0,1 → 2,3: same count, other names)
// keep a new classifier head; the same classes load the head too.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/trainerCli';
import { writeExperiment, MNIST_01 } from '../support/trainerFixtures';

test('the head is replaced when the checkpoint was trained on other classes, kept for the same ones', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-head-'));
  try {
    writeExperiment(dir, 'pre.experiment.yaml', { data: MNIST_01, epochs: 1 });
    assert.equal(runCli(['train', 'pre.experiment.yaml', '--name', 'pre', '--json'], { cwd: dir }).code, 0);
    const weights = 'runs/pre/weights/best';
    writeExperiment(dir, 'other.experiment.yaml', {
      data: '{ source: mnist, classes: [2, 3], limit: 64, valFraction: 0.05 }',
      weights,
      epochs: 1,
    });
    writeExperiment(dir, 'same.experiment.yaml', { data: MNIST_01, weights, epochs: 1 });
    assert.equal(runCli(['train', 'other.experiment.yaml', '--name', 'other', '--json'], { cwd: dir }).code, 0);
    assert.equal(runCli(['train', 'same.experiment.yaml', '--name', 'same', '--json'], { cwd: dir }).code, 0);
    const log = (run: string): string => readFileSync(path.join(dir, 'runs', run, 'train.log'), 'utf8');
    assert.match(log('other'), /classifier head model\.5.* replaced: the weights were trained on classes 0, 1/);
    assert.doesNotMatch(log('same'), /classifier head .* replaced/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
