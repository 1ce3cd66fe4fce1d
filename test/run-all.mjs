// `npm test`: provision the system packages the layers need (scripts/provision.mjs), build, then the three layers — unit tests (Node's test runner), integration suites
// (mocha inside a real VS Code extension host) and e2e (Playwright driving code-server) — and a
// closing "N passed, N failed" line over all of them. TRANSFER_LAB_LAYERS=unit,integration,e2e
// picks layers.
import { spawn } from 'node:child_process';
import { provision } from '../scripts/provision.mjs';

const layers = (process.env.TRANSFER_LAB_LAYERS ?? 'unit,integration,e2e').split(',');
const totals = { passed: 0, failed: 0 };
const failedLayers = [];

function run(name, cmd, args, count) {
  return new Promise((resolve) => {
    process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      process.stdout.write(d);
      buf += d.toString();
    });
    p.on('close', (code) => {
      if (count) {
        const c = count(buf);
        totals.passed += c.passed;
        totals.failed += c.failed;
        if (code !== 0 && c.failed === 0) totals.failed += 1; // crashed before reporting
      }
      if (code !== 0) failedLayers.push(name);
      resolve(code);
    });
  });
}

// node --test's spec reporter ends with "ℹ pass N" / "ℹ fail N".
const nodeTestCounts = (out) => ({
  passed: [...out.matchAll(/^ℹ pass (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0),
  failed: [...out.matchAll(/^ℹ fail (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0),
});
// test/integration/index.ts prints "integration(<suite>): N passed, N failed".
const integrationCounts = (out) => ({
  passed: [...out.matchAll(/^integration\(\w+\): (\d+) passed, (\d+) failed/gm)].reduce((s, m) => s + Number(m[1]), 0),
  failed: [...out.matchAll(/^integration\(\w+\): (\d+) passed, (\d+) failed/gm)].reduce((s, m) => s + Number(m[2]), 0),
});

// Before anything is built: a missing package stops here with the command to run, not in a test.
provision({ target: 'test', checkOnly: process.env.TRANSFER_LAB_NO_SYSTEM_INSTALL === '1' });

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (
  (await run('build', npm, ['run', '--silent', 'compile'])) !== 0 ||
  (await run('build tests', npm, ['run', '--silent', 'build-tests'])) !== 0
) {
  process.stdout.write('\n0 passed, 1 failed\n');
  process.exit(1);
}
// Unit tests mirror the source folders: test/shared/, test/trainer/, test/extension/ (host code that
// runs without VS Code), test/webview/, and test/scripts/ (the build's own checks); one node --test
// run takes them all. test/support/ holds their helpers, test/fixtures/ their files.
if (layers.includes('unit'))
  await run(
    'unit',
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      'out/test/shared/',
      'out/test/trainer/',
      'out/test/extension/',
      'out/test/scripts/',
      'out/test/webview/',
    ],
    nodeTestCounts,
  );
if (layers.includes('integration'))
  await run('integration (inside VS Code)', process.execPath, ['out/test/harness/runIntegration.js'], integrationCounts);
if (layers.includes('e2e')) await run('e2e (Playwright + code-server)', process.execPath, ['out/test/harness/runE2e.js'], nodeTestCounts);

process.stdout.write(`\n${failedLayers.length ? `failed layers: ${failedLayers.join(', ')}\n` : ''}`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(failedLayers.length ? 1 : 0);
