// The panel's Predictions section after the example sweep (panel.e2e.ts): the three sweep runs'
// confusion matrices drawn from the predictions files their trainer wrote, and compare mode
// listing the images freeze 6 gets wrong and freeze 0 right, each with both predictions.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import type { Session } from './session';

const SWEEP = ['-freeze-0', '-freeze-6', '-freeze-8'];

async function pick(frame: FrameLocator, which: 'Run A' | 'Run B', suffix: string): Promise<void> {
  const dd = frame.locator(`vscode-dropdown[aria-label="${which}"]`);
  await dd.click();
  await dd.locator('vscode-option', { hasText: suffix }).click();
}

/** The sweep runs' matrices are drawn, and compare mode lists freeze 0's wins over freeze 6. */
export async function checkPredictions(frame: FrameLocator): Promise<void> {
  const section = frame.locator('section.tl-predictions');
  for (const f of SWEEP) {
    const card = section.locator('article.tl-prediction-card', { hasText: f });
    // The trainer writes predictions/last.json when the run ends; the host sends it when it changes.
    await card.locator('table.tl-confusion').waitFor({ timeout: 60_000 });
    const cells = await card.locator('table.tl-confusion td').count();
    assert.equal(cells, 25, `${f}: a 5×5 matrix for the example's five digits`);
    const label = (await card.locator('table.tl-confusion td').first().getAttribute('aria-label')) ?? '';
    assert.match(label, /^true 5, predicted 5: \d+ images? \(/, `${f}: cells say what they count`);
  }
  await section.scrollIntoViewIfNeeded();
  // Freeze 0 against freeze 6, picked as a user would (the default pair is the first comparable two).
  await pick(frame, 'Run B', '-freeze-8');
  await section
    .locator('.tl-compare h4', { hasText: /-freeze-8 wrong/ })
    .first()
    .waitFor();
  await pick(frame, 'Run A', '-freeze-0');
  await pick(frame, 'Run B', '-freeze-6');
  const heading = section.locator('.tl-compare h4', { hasText: /-freeze-0 right, \S+-freeze-6 wrong \(\d+\)/ });
  await heading.waitFor();
  const count = Number(/\((\d+)\)$/.exec(await heading.innerText())?.[1]);
  assert.ok(count > 0, 'freeze 6 gets some validation image wrong that freeze 0 gets right');
  const list = heading.locator('xpath=..');
  const tile = list.locator('.tl-tile').first();
  const text = await tile.innerText();
  assert.match(text, /A: \d ✓/, 'freeze 0 (run A) right under the image');
  assert.match(text, /B: \d ✗/, 'freeze 6 (run B) wrong under the image');
  assert.match((await tile.getAttribute('aria-label')) ?? '', /-freeze-0 predicts (\d), \S+-freeze-6 predicts (?!\1)\d$/);
  assert.ok((await list.locator('.tl-tile img').count()) > 0, 'the trainer stored thumbnails of these mistakes');
}

/** Screenshots the Predictions section: `predictions-<theme>` its matrices, then compare mode. */
export async function shotPredictions(s: Session, frame: FrameLocator, theme: 'dark' | 'light'): Promise<void> {
  for (const [what, selector] of [
    ['predictions', 'section.tl-predictions'],
    ['predictions-compare', 'section.tl-predictions .tl-compare'],
  ]) {
    await frame.locator(selector).evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await s.page.waitForTimeout(500);
    await s.shot(`${what}-${theme}`);
  }
}
