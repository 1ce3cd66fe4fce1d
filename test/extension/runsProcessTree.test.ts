// Stopping a run ends its whole process tree: tested on real process trees (a trainer stand-in
// that starts a grandchild), not on mocks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { groupAlive, processRunning, stopProcessTree } from '../../src/extension/runs/processTree';

type Mode = 'default' | 'graceful' | 'stubborn' | 'graceful-stubborn-grandchild';

interface Tree {
  parent: number;
  grandchild: number;
}

/** Spawns `node -e` as a process-group leader that starts a grandchild and reports both pids. */
function spawnTree(mode: Mode, marker: string): Promise<Tree> {
  const grandchildIgnoresTerm = mode === 'stubborn' || mode === 'graceful-stubborn-grandchild';
  // Each process reports only after its signal handlers are in place.
  const gcCode = `${grandchildIgnoresTerm ? 'process.on("SIGTERM", () => {});' : ''} setInterval(() => {}, 1000); process.stdout.write("ready\\n");`;
  const parentCode = `
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const gc = spawn(process.execPath, ['-e', ${JSON.stringify(gcCode)}], { stdio: ['ignore', 'pipe', 'ignore'] });
    ${mode === 'graceful' || mode === 'graceful-stubborn-grandchild' ? `process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(marker)}, 'checkpoint'); process.exit(0); });` : ''}
    ${mode === 'stubborn' ? `process.on('SIGTERM', () => {});` : ''}
    gc.stdout.once('data', () => process.stdout.write(JSON.stringify({ parent: process.pid, grandchild: gc.pid }) + '\\n'));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', parentCode], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]) as Tree);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`tree parent exited early (${code})`)));
  });
}

async function assertGone(tree: Tree): Promise<void> {
  assert.equal(await processRunning(tree.parent), false, `parent ${tree.parent} is gone`);
  assert.equal(await processRunning(tree.grandchild), false, `grandchild ${tree.grandchild} is gone (no orphan)`);
  assert.equal(await groupAlive(tree.parent), false, 'no member of the process group is left');
}

function tmpMarker(): { marker: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-tree-'));
  return { marker: path.join(dir, 'checkpoint'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('SIGTERM to the group ends the trainer and its grandchild', async () => {
  const { marker, cleanup } = tmpMarker();
  const tree = await spawnTree('default', marker);
  assert.equal(await processRunning(tree.grandchild), true, 'the grandchild runs before the stop');
  const outcome = await stopProcessTree(tree.parent, 5_000);
  assert.equal(outcome, 'terminated');
  await assertGone(tree);
  cleanup();
});

test('the trainer gets SIGTERM first and can checkpoint before it exits', async () => {
  const { marker, cleanup } = tmpMarker();
  const tree = await spawnTree('graceful', marker);
  const outcome = await stopProcessTree(tree.parent, 5_000);
  assert.equal(outcome, 'terminated');
  assert.equal(readFileSync(marker, 'utf8'), 'checkpoint', 'the SIGTERM handler ran');
  await assertGone(tree);
  cleanup();
});

test('a tree that ignores SIGTERM is killed after the grace period', async () => {
  const { marker, cleanup } = tmpMarker();
  const tree = await spawnTree('stubborn', marker);
  const t0 = Date.now();
  const outcome = await stopProcessTree(tree.parent, 800);
  const took = Date.now() - t0;
  assert.equal(outcome, 'killed');
  assert.ok(took >= 700, `waited the grace period first (${took} ms)`);
  await assertGone(tree);
  cleanup();
});

test('a grandchild that outlives its exiting parent is killed too (no orphan left behind)', async () => {
  const { marker, cleanup } = tmpMarker();
  const tree = await spawnTree('graceful-stubborn-grandchild', marker);
  const outcome = await stopProcessTree(tree.parent, 800);
  assert.ok(existsSync(marker), 'the parent checkpointed on SIGTERM');
  assert.equal(outcome, 'killed', 'the group lived on in the grandchild, so SIGKILL followed');
  await assertGone(tree);
  cleanup();
});

test('stopping a process that already ended reports not-running', async () => {
  const p = spawn(process.execPath, ['-e', '0'], { detached: true, stdio: 'ignore' });
  await new Promise((r) => p.on('exit', r));
  assert.equal(await stopProcessTree(p.pid!, 500), 'not-running');
});
