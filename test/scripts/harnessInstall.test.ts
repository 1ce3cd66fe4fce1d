// The harness's installs (Node 24, code-server) run an inner npm. Under `npm test` / `npm start` the
// outer npm exports its own configuration (npm_config_user_agent=npm/… node/v20…), which code-server's
// postinstall reads as the Node version; the inner npm must not inherit it. Checked on a real child
// process: a stand-in `npm` first on PATH records the environment it was started with.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanNpmEnv, npmInstall } from '../harness/install';

test('the inner npm gets no npm_config_* / npm_lifecycle_* / npm_package_* from the outer npm', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-npm-env-'));
  const saved = { ...process.env };
  try {
    const envFile = path.join(dir, 'env.txt');
    writeFileSync(path.join(dir, 'npm'), `#!/bin/sh\nenv > "${envFile}"\necho "$@" > "${envFile}.args"\n`);
    chmodSync(path.join(dir, 'npm'), 0o755);
    // What `npm test` under Node 20 exports to its script.
    Object.assign(process.env, {
      PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_lifecycle_event: 'test',
      npm_lifecycle_script: 'node test/run-all.mjs',
      npm_package_name: 'transfer-lab',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      npm_node_execpath: '/usr/bin/node',
      npm_command: 'test',
      TL_KEEP_ME: 'yes',
    });
    npmInstall(path.join(dir, 'prefix'), 'code-server@4.139.1', { npm_config_nodedir: '/opt/node24' });
    const seen = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(seen.npm_config_user_agent, undefined, 'npm_config_user_agent reached the inner npm');
    for (const k of Object.keys(seen)) assert.doesNotMatch(k, /^npm_(lifecycle|package)_|^npm_(execpath|node_execpath|command)$/);
    // What the harness itself asks for still arrives, and the rest of the environment is kept.
    assert.equal(seen.npm_config_nodedir, '/opt/node24');
    assert.equal(seen.TL_KEEP_ME, 'yes');
    assert.match(readFileSync(`${envFile}.args`, 'utf8'), /^install --prefix \S+prefix code-server@4\.139\.1 /);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) Reflect.deleteProperty(process.env, k);
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cleanNpmEnv keeps variables that only look alike', () => {
  const env = cleanNpmEnv({ npm_config_cache: '/c', NPM_CONFIG_REGISTRY: 'x', npmrc: 'keep', HOME: '/h', my_npm_config_x: 'keep' });
  assert.deepEqual(env, { npmrc: 'keep', HOME: '/h', my_npm_config_x: 'keep' });
});
