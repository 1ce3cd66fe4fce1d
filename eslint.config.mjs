import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Process boundaries (issue #16): each process has its own folder, and an import that crosses a
// boundary fails the lint. Relative imports are matched on their folder names: leaving a folder
// for another process's always spells that folder (`../extension/…`, `../src/trainer/…`).
const noVscode = { name: 'vscode', message: 'Only the extension host (src/extension/) and the integration tests import vscode.' };
const noGpuPaths = [{ name: 'webgpu', message: 'Only the trainer (src/trainer/) loads the WebGPU engine.' }];
const noTensorflow = { group: ['@tensorflow/*'], message: 'Only the trainer (src/trainer/) imports TensorFlow.js.' };
const intoHost = { regex: '(^|/)extension(/|$)', message: 'The extension host (src/extension/) is imported by nothing but itself and its tests; move shared code to src/shared/.' };
const intoTrainer = { regex: '(^|/)trainer(/|$)', message: 'The trainer (src/trainer/) runs in its own process; move what others need to src/shared/.' };
const intoWebview = { regex: '(^|/)webview(/|$)', message: "The webview's code (webview/) runs in the browser; move what others need to src/shared/." };
// The webview reaches src/shared/ and its own folder only.
const webviewOutside = {
  regex: '^(\\.\\./)+(src/(?!shared/)|test/|bench/|scripts/)|^node:',
  message: 'The webview imports only webview/ and src/shared/ (it runs in the browser).',
};
const restrict = (paths, patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'src/trainer/kernels/assembly/**', 'node_modules/**', 'test-output/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // The size bar (~300 lines a module): a file that outgrows it is doing several jobs and gets split
  // along them. Tests and benchmarks are exempt: a long table of cases is still one job.
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }] },
  },
  { files: ['src/extension/**/*.ts'], rules: restrict(noGpuPaths, [noTensorflow, intoTrainer, intoWebview]) },
  { files: ['src/trainer/**/*.ts'], rules: restrict([noVscode], [intoHost, intoWebview]) },
  { files: ['src/shared/**/*.ts'], rules: restrict([noVscode, ...noGpuPaths], [noTensorflow, intoHost, intoTrainer, intoWebview]) },
  { files: ['webview/**/*.ts'], rules: restrict([noVscode, ...noGpuPaths], [noTensorflow, webviewOutside]) },
  { files: ['test/shared/**/*.ts', 'test/trainer/**/*.ts', 'test/extension/**/*.ts', 'test/scripts/**/*.ts', 'test/support/**/*.ts', 'test/webview/**/*.ts', 'bench/**/*.ts'], rules: restrict([noVscode], []) },
);
