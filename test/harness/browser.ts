// Headless Chromium from apt, driven by playwright-core (never `npx playwright install`).
import { chromium, Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from './install';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
}

/** Opens the workbench and waits until it has rendered. */
export async function openWorkbench(browser: Browser, url: string, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: opts.colorScheme ?? 'dark' });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return page;
}
