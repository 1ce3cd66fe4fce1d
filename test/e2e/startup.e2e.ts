// Like a user opening the bundled example (examples/digits): how long from the window being ready
// to the Modules view's rows, and where that time goes (startupPhases.ts: the page, code-server's
// logs, Transfer Lab's own start-up marks). Printed, not asserted: times move with the machine's
// load. Once with the extension under development, once installed from the .vsix as users get it
// (minified bundle, no development mode). Also: the view's header says what matters in the width a
// default sidebar gives it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { openSession, openContainer, REPO, Session, EXTENSION_FROM } from './session';
import { formatPhases, observeStartup, othersActivated, ownMarkWritten, startupPhases } from './startupPhases';

async function printPhases(s: Session, label: string): Promise<void> {
  // Transfer Lab logs its start-up marks just after the rows, and activate() returning after the
  // workspace search; the log reaches the disk soon after.
  const deadline = Date.now() + 10_000;
  while (!ownMarkWritten(s.server.tmp, 'activateReturned') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const phases = await startupPhases(s.page, s.server.tmp);
  const ready = phases.find((p) => p.name.startsWith('window ready'));
  const rows = phases.find((p) => p.name.startsWith('Modules rows in the DOM'));
  const total = ready && rows ? `${((rows.at - ready.at) / 1000).toFixed(2)} s` : '?';
  process.stdout.write(
    `[startup] ${label}: window ready → Modules rows: ${total}\n${formatPhases(phases)}\n` +
      `[startup] other extensions activated by then: ${othersActivated(s.server.tmp, rows?.at ?? Date.now()).join(', ') || 'none'}\n`,
  );
}

for (const from of EXTENSION_FROM) {
  test(`the digits example: window ready to Modules rows (printed), and a header that fits the sidebar (extension from ${from})`, async () => {
    const s = await openSession({
      from: path.join(REPO, 'examples', 'digits'),
      extension: from,
      beforeOpen: (p) => observeStartup(p, '0 Conv'),
    });
    try {
      const { page } = s;
      await openContainer(page);
      const tree = page.getByRole('tree', { name: /Modules/ });
      await tree.locator('.monaco-list-row[role=treeitem]').filter({ hasText: '0 Conv' }).waitFor({ state: 'visible', timeout: 60_000 });
      await printPhases(s, `extension from ${from}`);

      // The header's description, as a default-width sidebar shows it (the mouse away, so the title
      // bar's buttons do not cover it).
      await page.mouse.move(900, 500);
      const header = page.locator('.pane-header', { hasText: 'Modules' });
      const description = header.locator('.description');
      await page.waitForFunction(() => /trainable/.test(document.querySelector('.pane-header .description')?.textContent ?? ''));
      await s.shot('modules-header-default-width', page.locator('.pane', { has: header }));
      const fit = await description.evaluate((el) => ({ text: el.textContent ?? '', scroll: el.scrollWidth, client: el.clientWidth }));
      assert.ok(fit.scroll <= fit.client, `the header "${fit.text}" fits (${fit.scroll} px of text in ${fit.client} px)`);
    } finally {
      await s.close();
    }
  });
}
