// The process boundaries of issue #16 as eslint.config.mjs enforces them: one import that crosses
// each boundary, at a path where such code would live, fails `npm run lint`; imports that stay
// inside the rules pass.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');
const RULE = '@typescript-eslint/no-restricted-imports';
const eslint = new ESLint({ cwd: ROOT });

/** The boundary messages eslint gives `code` as the file at `file` (relative to the repository). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  assert.deepEqual(
    result.messages.filter((m) => m.fatal),
    [],
    `${file} did not parse`,
  );
  return result.messages.filter((m) => m.ruleId === RULE && m.severity === 2).map((m) => m.message);
}

const forbidden: [string, string, string, RegExp][] = [
  [
    'vscode in the trainer',
    'src/trainer/train/probe.ts',
    "import * as vscode from 'vscode';\nexport const v = vscode;\n",
    /extension host/,
  ],
  ['vscode in shared code', 'src/shared/runs/probe.ts', "import type { Uri } from 'vscode';\nexport type U = Uri;\n", /extension host/],
  ['vscode in the webview', 'webview/probe.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n", /extension host/],
  [
    'vscode in a unit test',
    'test/trainer/probe.test.ts',
    "import * as vscode from 'vscode';\nexport const v = vscode;\n",
    /extension host/,
  ],
  [
    'TensorFlow.js in the host',
    'src/extension/runs/probe.ts',
    "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n",
    /TensorFlow\.js/,
  ],
  [
    'TensorFlow.js in the webview',
    'webview/probe.ts',
    "import * as tf from '@tensorflow/tfjs-core';\nexport const t = tf;\n",
    /TensorFlow\.js/,
  ],
  ['WebGPU in the host', 'src/extension/runs/probe.ts', "import * as gpu from 'webgpu';\nexport const g = gpu;\n", /WebGPU/],
  [
    'the host from the trainer',
    'src/trainer/cli/probe.ts',
    "import { RUNS_DIR } from '../../extension/runs/runsManager';\nexport const r = RUNS_DIR;\n",
    /src\/extension/,
  ],
  [
    'the host from shared code',
    'src/shared/runs/probe.ts',
    "import { RUNS_DIR } from '../../extension/runs/runsManager';\nexport const r = RUNS_DIR;\n",
    /src\/extension/,
  ],
  [
    'the trainer from shared code',
    'src/shared/runs/probe.ts',
    "import { readMetricsFile } from '../../trainer/run/metricsFile';\nexport const r = readMetricsFile;\n",
    /src\/trainer/,
  ],
  [
    'the webview from shared code',
    'src/shared/panel/probe.ts',
    "import { RunStore } from '../../../webview/runStore';\nexport const r = RunStore;\n",
    /webview/,
  ],
  [
    'the trainer from the host',
    'src/extension/runs/probe.ts',
    "import { readMetricsFile } from '../../trainer/run/metricsFile';\nexport const r = readMetricsFile;\n",
    /src\/trainer/,
  ],
  [
    'the host from the webview',
    'webview/probe.ts',
    "import { buildPanelHtml } from '../src/extension/panel/panelHtml';\nexport const b = buildPanelHtml;\n",
    /webview imports only/,
  ],
  [
    'the trainer from the webview',
    'webview/probe.ts',
    "import { readMetricsFile } from '../src/trainer/run/metricsFile';\nexport const r = readMetricsFile;\n",
    /webview imports only/,
  ],
  [
    'tests from the webview',
    'webview/probe.ts',
    "import { x } from '../test/fixtures/models/x';\nexport const y = x;\n",
    /webview imports only/,
  ],
];

for (const [what, file, code, message] of forbidden) {
  test(`lint refuses ${what}`, async () => {
    const errors = await boundaryErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${JSON.stringify(errors)}`);
    assert.match(errors[0], message);
  });
}

test('lint accepts imports inside the boundaries', async () => {
  const allowed: [string, string][] = [
    [
      'src/extension/runs/probe.ts',
      "import * as vscode from 'vscode';\nimport { completedRecord } from '../../shared/runFolder/completedRun';\nimport { RunQueue } from './runQueue';\nexport const all = [vscode, completedRecord, RunQueue];\n",
    ],
    [
      'src/trainer/train/probe.ts',
      "import * as tf from '@tensorflow/tfjs';\nimport { freezeLabel } from '../../shared/runs/runNames';\nimport { readMetricsFile } from '../run/metricsFile';\nexport const all = [tf, freezeLabel, readMetricsFile];\n",
    ],
    [
      'webview/probe.ts',
      "import { isHostMessage } from '../src/shared/panel/contract';\nimport { RunStore } from './runStore';\nexport const all = [isHostMessage, RunStore];\n",
    ],
    [
      'src/shared/panel/probe.ts',
      "import { toColumns } from './series';\nimport type { RunRecord } from '../runFolder/contract';\nexport const all = [toColumns];\nexport type R = RunRecord;\n",
    ],
    [
      'test/integration/probe.test.ts',
      "import * as vscode from 'vscode';\nimport { RUNS_DIR } from '../../src/extension/runs/runsManager';\nexport const all = [vscode, RUNS_DIR];\n",
    ],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await boundaryErrors(file, code), [], file);
});

/** The size-bar messages eslint gives `code` as the file at `file`. */
async function sizeErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'max-lines' && m.severity === 2).map((m) => m.message);
}

/** `n` lines of code, each its own statement, so only their number can trip the lint. */
const codeLines = (n: number): string => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};\n`).join('');

test('lint refuses a module of 301 lines of code, in src/ and webview/', async () => {
  for (const file of ['src/shared/runs/probe.ts', 'src/extension/runs/probe.ts', 'webview/probe.ts']) {
    const errors = await sizeErrors(file, codeLines(301));
    assert.equal(errors.length, 1, `${file}: ${JSON.stringify(errors)}`);
    assert.match(errors[0], /too many lines \(301\)\. Maximum allowed is 300/);
  }
});

test('lint counts only code toward the size bar, and leaves tests alone', async () => {
  const padded = `// why this module exists\n\n${codeLines(300)}\n/* a closing note */\n\n`;
  assert.deepEqual(await sizeErrors('src/shared/runs/probe.ts', padded), []);
  assert.deepEqual(await sizeErrors('test/trainer/probe.test.ts', codeLines(400)), []);
});
