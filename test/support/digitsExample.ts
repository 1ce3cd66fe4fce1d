// examples/digits shrunk for tests that train it for real: a few hundred labels and one pretraining
// epoch, three transfer epochs, so a whole sweep takes seconds.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './trainerCli';

/** Copies the example (without its runs) into `dir`; returns its transfer experiment's path. */
export function tinyDigitsExample(dir: string): string {
  cpSync(path.join(ROOT, 'examples', 'digits'), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}runs`) });
  const edit = (file: string, changes: Array<[RegExp, string]>) => {
    let text = readFileSync(path.join(dir, file), 'utf8');
    for (const [re, to] of changes) {
      assert.match(text, re, `${file} no longer has ${re}: update this test`);
      text = text.replace(re, to);
    }
    writeFileSync(path.join(dir, file), text);
  };
  edit('pretrain.experiment.yaml', [
    [/limit: \d+/, 'limit: 300'],
    [/valFraction: [\d.]+/, 'valFraction: 0.05'],
    [/epochs: \d+/, 'epochs: 1'],
  ]);
  edit('transfer.experiment.yaml', [
    [/limit: \d+/, 'limit: 60\n  valFraction: 0.05'],
    [/epochs: \d+/, 'epochs: 3'],
  ]);
  return path.join(dir, 'transfer.experiment.yaml');
}
