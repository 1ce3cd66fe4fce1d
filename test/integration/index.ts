// Mocha entry point loaded by VS Code's extension-test runner inside the extension host.
// TRANSFER_LAB_SUITE picks the suite: 'main' (trusted workspace) or 'untrusted' (restricted mode).
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

function findTests(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? findTests(p, suffix) : e.name.endsWith(suffix) ? [p] : [];
  });
}

export function run(): Promise<void> {
  const suite = process.env.TRANSFER_LAB_SUITE ?? 'main';
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  const suffix = suite === 'untrusted' ? '.untrusted.js' : '.test.js';
  for (const f of findTests(__dirname, suffix).sort()) mocha.addFile(f);
  console.log('[transfer-lab] integration tests start');
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // A line CI's summary reader understands, whatever runner printed before it.
      console.log(`integration(${suite}): ${runner.stats?.passes ?? 0} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
