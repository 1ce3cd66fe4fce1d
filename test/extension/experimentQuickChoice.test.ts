// Which experiment the views follow before the workspace search has answered: the same choice
// ExperimentFiles.scan() makes, where it can be known from a stat or one directory listing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isExcluded, quickExperimentChoice } from '../../src/extension/experiment/quickChoice';

function workspace(files: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-quick-'));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'model: m.yaml\n');
  }
  return dir;
}

test('the first experiment file at the top level, in scan() order; none there: a search is needed', async () => {
  const ws = workspace(['transfer.experiment.yaml', 'pretrain.experiment.yaml', 'model.yaml', 'sub/a.experiment.yaml']);
  try {
    assert.equal(await quickExperimentChoice({ folders: [ws] }), path.join(ws, 'pretrain.experiment.yaml'));
    rmSync(path.join(ws, 'transfer.experiment.yaml'));
    rmSync(path.join(ws, 'pretrain.experiment.yaml'));
    assert.equal(await quickExperimentChoice({ folders: [ws] }), undefined, 'only a nested one: scan() finds it');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('the remembered file first, then transferLab.experiment, when they exist and a search would list them', async () => {
  const ws = workspace(['experiment.yaml', 'b/b.experiment.yaml', 'c/c.experiment.yaml', 'runs/r1/experiment.yaml']);
  try {
    const b = path.join(ws, 'b', 'b.experiment.yaml');
    assert.equal(await quickExperimentChoice({ folders: [ws], remembered: b, configured: 'c/c.experiment.yaml' }), b);
    assert.equal(
      await quickExperimentChoice({
        folders: [ws],
        remembered: path.join(ws, 'gone.experiment.yaml'),
        configured: './c/c.experiment.yaml',
      }),
      path.join(ws, 'c', 'c.experiment.yaml'),
    );
    // A run's snapshot is never the experiment, nor a file that is not an experiment file.
    assert.equal(await quickExperimentChoice({ folders: [ws], configured: 'runs/r1/experiment.yaml' }), path.join(ws, 'experiment.yaml'));
    assert.equal(
      await quickExperimentChoice({ folders: [ws], remembered: path.join(os.tmpdir(), 'elsewhere.experiment.yaml') }),
      path.join(ws, 'experiment.yaml'),
      'outside the workspace: ignored',
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('several workspace folders: only a named file is taken without a search', async () => {
  const a = workspace(['experiment.yaml']);
  const b = workspace(['b.experiment.yaml']);
  try {
    assert.equal(await quickExperimentChoice({ folders: [a, b] }), undefined);
    assert.equal(await quickExperimentChoice({ folders: [a, b], configured: 'b.experiment.yaml' }), path.join(b, 'b.experiment.yaml'));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('excluded folders match the workspace search’s exclude glob', () => {
  assert.equal(isExcluded('runs/x/experiment.yaml'), true);
  assert.equal(isExcluded('a/node_modules/p/experiment.yaml'), true);
  assert.equal(isExcluded('myruns/experiment.yaml'), false);
  assert.equal(isExcluded('experiment.yaml'), false);
});
