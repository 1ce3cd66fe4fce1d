// Like a user: start a freeze sweep from the command palette, accept the seed's standard set in
// the quick pick, and watch the sweep's runs queue, train and finish in the Runs view, grouped
// under the sweep, with the status-bar item while they run. Screenshots go to test-output/.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSession, openContainer, runCommand, Session } from './session';

// Two digits, 64 labels, two epochs: each run takes seconds even on a shared 2-core machine.
const EXPERIMENT = `# e2e sweep
model: model.yaml
data:
  source: mnist
  classes: [0, 1]
  limit: 64
train:
  epochs: 2
  batch: 16
freeze: 0
`;

let s: Session;
before(async () => {
  s = await openSession({ experiment: EXPERIMENT });
});
after(async () => {
  await s?.close();
});

/** Drags the side bar's edge so the rows' descriptions fit in the screenshots. */
async function widenSideBar(): Promise<void> {
  const box = await s.page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await s.page.mouse.move(x, y);
  await s.page.mouse.down();
  await s.page.mouse.move(x + 420, y, { steps: 8 });
  await s.page.mouse.up();
  await s.page.mouse.move(x + 700, y + 300);
}

test('Start Freeze Sweep from the palette queues the standard set and the Runs view shows it grouped', async () => {
  const { page } = s;
  await openContainer(page);
  const tree = page.getByRole('tree', { name: /Runs/ });
  await page
    .getByRole('tree', { name: /Modules/ })
    .locator('.monaco-list-row[role=treeitem]')
    .first()
    .waitFor({ state: 'visible', timeout: 60_000 });

  await widenSideBar();
  await runCommand(page, 'Transfer Lab: Start Freeze Sweep');
  // The seed's set for this model: nothing frozen, the backbone (modules 0–5), all but the head.
  const picks = page.locator('.quick-input-widget .monaco-list-row');
  for (const label of ['freeze 0', 'freeze 6', 'freeze 8'])
    await picks.filter({ hasText: label }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await s.shot('runs-sweep-quickpick');
  await page.keyboard.press('Enter');

  const sweepRow = tree.locator('.monaco-list-row[role=treeitem]').filter({ hasText: /^sweep-\d{8}-\d{4}/ });
  await sweepRow.first().waitFor({ state: 'visible', timeout: 30_000 });
  // Under the sweep's row each run reads as its freeze value; its full name is its accessible label.
  const rows = tree.locator('.monaco-list-row[role=treeitem][aria-label*="-freeze-"]');
  await rows.nth(2).waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await rows.count(), 3, 'one row per freeze value');
  // One trains at a time (transferLab.maxConcurrentRuns = 1): the others show as queued.
  await tree.locator('.monaco-list-row', { hasText: 'queued' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  const statusItem = page.locator('.statusbar-item', { hasText: /-freeze-\d+: (starting|epoch)/ });
  await statusItem.first().waitFor({ state: 'visible', timeout: 60_000 });
  await s.shot('runs-sweep-running');

  // All three finish; each row then shows its best accuracy and engine.
  await page.waitForFunction(
    () => {
      const rows = Array.from(document.querySelectorAll('[role=tree] .monaco-list-row[role=treeitem][aria-label*="-freeze-"]'));
      return rows.filter((r) => /finished 2\/2/.test(r.textContent ?? '') && /best \d/.test(r.textContent ?? '')).length === 3;
    },
    undefined,
    { timeout: 240_000 },
  );
  const texts = await rows.allTextContents();
  for (const f of ['freeze 0', 'freeze 6', 'freeze 8'])
    assert.ok(
      texts.some((t) => t.startsWith(f)),
      `a row for ${f}: ${texts.join(' | ')}`,
    );
  const description = await page.locator('.pane-header', { hasText: 'Runs' }).locator('.description').textContent();
  assert.equal(description?.trim(), '3/3 selected', 'new runs are checked for the comparison');
  await s.shot('runs-sweep-finished', page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Runs' }) }));
  await s.shot('runs-sweep-window');

  // The run folders hold what the rows show.
  const runsDir = path.join(s.workspace, 'runs');
  const folders = readdirSync(runsDir)
    .filter((n) => /-freeze-\d/.test(n))
    .sort();
  assert.equal(folders.length, 3);
  for (const f of folders) {
    const record = JSON.parse(readFileSync(path.join(runsDir, f, 'run.json'), 'utf8')) as { status: string; sweep?: string };
    assert.equal(record.status, 'finished');
    assert.ok(record.sweep && f.startsWith(record.sweep));
  }
});
