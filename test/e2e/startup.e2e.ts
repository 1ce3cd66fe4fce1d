// Like a user opening the bundled example (examples/digits): how long from the window being ready
// to the Modules view's rows, and where that time goes, from the extension host's own log. Printed,
// not asserted: times move with the machine's load. Also: the view's header says what matters in
// the width a default sidebar gives it.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSession, openContainer, REPO, Session } from './session';

let s: Session | undefined;
after(async () => {
  await s?.close();
});

/** Times (ms) of the extension host's start and of Transfer Lab's activation, from its log. */
function extensionHostTimes(session: Session): { hostStarted?: number; activated?: number; activationEvent?: string } {
  const logs = path.join(session.server.tmp, 'user', 'logs');
  const out: { hostStarted?: number; activated?: number; activationEvent?: string } = {};
  for (const day of readdirSync(logs)) {
    for (const host of readdirSync(path.join(logs, day)).filter((d) => d.startsWith('exthost'))) {
      let text: string;
      try {
        text = readFileSync(path.join(logs, day, host, 'remoteexthost.log'), 'utf8');
      } catch {
        continue;
      }
      // "2026-12-03 11:23:47.049 [info] …", local time.
      const at = (line: string | undefined) => (line ? new Date(line.slice(0, 23).replace(' ', 'T')).getTime() : undefined);
      const lines = text.split('\n');
      out.hostStarted ??= at(lines.find((l) => /Extension host with pid \d+ started/.test(l)));
      const activation = lines.find((l) => l.includes('_doActivateExtension transfer-lab.transfer-lab'));
      out.activated ??= at(activation);
      out.activationEvent ??= /activationEvent: '([^']+)'/.exec(activation ?? '')?.[1];
    }
  }
  return out;
}

test('the digits example: window ready to Modules rows (printed), and a header that fits the sidebar', async () => {
  s = await openSession({ from: path.join(REPO, 'examples', 'digits') });
  const { page } = s;
  await openContainer(page);
  const tree = page.getByRole('tree', { name: /Modules/ });
  await tree.locator('.monaco-list-row[role=treeitem]').filter({ hasText: '0 Conv' }).waitFor({ state: 'visible', timeout: 60_000 });
  const rowsAt = Date.now();
  const host = extensionHostTimes(s);
  const rel = (t: number | undefined) => (t === undefined ? '?' : `${((t - s!.readyAt) / 1000).toFixed(2)} s`);
  process.stdout.write(
    `[startup] window ready → Modules rows: ${((rowsAt - s.readyAt) / 1000).toFixed(2)} s ` +
      `(extension host started at ${rel(host.hostStarted)}, Transfer Lab activated at ${rel(host.activated)} by ${host.activationEvent ?? '?'}, ` +
      `activation → rows ${host.activated === undefined ? '?' : `${((rowsAt - host.activated) / 1000).toFixed(2)} s`})\n`,
  );

  // The header's description, as a default-width sidebar shows it (the mouse away, so the title
  // bar's buttons do not cover it).
  await page.mouse.move(900, 500);
  const header = page.locator('.pane-header', { hasText: 'Modules' });
  const description = header.locator('.description');
  await page.waitForFunction(() => /trainable/.test(document.querySelector('.pane-header .description')?.textContent ?? ''));
  await s.shot('modules-header-default-width', page.locator('.pane', { has: header }));
  const fit = await description.evaluate((el) => ({ text: el.textContent ?? '', scroll: el.scrollWidth, client: el.clientWidth }));
  assert.ok(fit.scroll <= fit.client, `the header "${fit.text}" fits (${fit.scroll} px of text in ${fit.client} px)`);
});
