// Benchmark of the panel's Predictions section in headless Chromium: 20 runs × 10 classes × 32
// top-loss images (with thumbnails) arrive as the host sends them (one `predictions` message per
// run, after the init); measured from their dispatch until the section has drawn them. Prints
// medians and the ratio to the goal; never asserts. Goal: ≤ 200 ms.
//
//   npm run compile && npx tsc -p tsconfig.test.json && node out/bench/predictions.js
//   env: CHROME_PATH (default /usr/bin/chromium), BENCH_RUNS, BENCH_CLASSES, BENCH_IMAGES, BENCH_VALIDATION, BENCH_ITERATIONS
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { METRIC_KEYS } from '../src/shared/panel/series';
import { checkWebview, FLAGS, median, pageHtml, stats } from './benchPage';
import { makeInit } from './panelData';
import { makePredictionMessages } from './predictionsData';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CLASSES = Number(process.env.BENCH_CLASSES ?? 10);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 32);
const VALIDATION = Number(process.env.BENCH_VALIDATION ?? 2000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const GOAL_MS = 200;
const MEASURE = 'transferLab:predictions';

interface Timing {
  /** Dispatch of the messages until the section's render ended (validation, the frame's wait, drawing). */
  rendered: number;
  /** The section's own drawing pass. */
  render: number;
  /** Until the next frame is produced (layout, paint, thumbnails decoded). */
  painted: number;
  matrices: number;
  tiles: number;
}

async function main(): Promise<void> {
  const exe = process.env.CHROME_PATH || '/usr/bin/chromium';
  console.log(
    `predictions bench: ${RUNS} runs x ${CLASSES} classes x ${IMAGES} images (${VALIDATION} validation images, synthetic), Chromium ${exe}`,
  );
  const messages = makePredictionMessages({ runs: RUNS, classes: CLASSES, images: IMAGES, validation: VALIDATION });
  const profile = mkdtempSync(path.join(tmpdir(), 'tl-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const timings: Timing[] = [];
  try {
    for (let it = 0; it < ITERATIONS; it++) {
      const page = await context.newPage();
      await page.setContent(pageHtml());
      await page.evaluate(
        `window.__init = (${makeInit.toString()})(${JSON.stringify({ runs: RUNS, points: 20, metricKeys: METRIC_KEYS })}); 0`,
      );
      await page.evaluate(async () => {
        window.dispatchEvent(new MessageEvent('message', { data: (window as unknown as { __init: unknown }).__init }));
        await new Promise((r) => requestAnimationFrame(r));
      });
      await checkWebview(page, 'the init message');
      timings.push(
        await page.evaluate(
          async ({ messages, measure }) => {
            const before = performance.getEntriesByName(measure).length;
            const t0 = performance.now();
            for (const m of messages) window.dispatchEvent(new MessageEvent('message', { data: m }));
            let entry: PerformanceEntry | undefined;
            while (!entry) {
              await new Promise((r) => requestAnimationFrame(r));
              const entries = performance.getEntriesByName(measure).slice(before);
              entry = entries.find((e) => ((e as PerformanceMeasure).detail as { matrices: number }).matrices === messages.length);
            }
            const rendered = entry.startTime + entry.duration - t0;
            await new Promise((r) => requestAnimationFrame(r));
            await new Promise((r) => setTimeout(r, 0));
            return {
              rendered,
              render: entry.duration,
              painted: performance.now() - t0,
              matrices: document.querySelectorAll('table.tl-confusion').length,
              tiles: document.querySelectorAll('.tl-prediction-card .tl-tile').length,
            };
          },
          { messages, measure: MEASURE },
        ),
      );
      await checkWebview(page, 'the predictions messages');
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const last = timings[timings.length - 1];
  console.log(`  the section drew ${last.matrices} confusion matrices and ${last.tiles} top-loss tiles`);
  const rendered = timings.map((t) => t.rendered);
  console.log(`  ${RUNS} predictions messages dispatched -> section drawn: ${stats(rendered)}   goal <= ${GOAL_MS} ms`);
  console.log(`    ratio to the goal: ${(median(rendered) / GOAL_MS).toFixed(2)} (median / ${GOAL_MS} ms)`);
  console.log(`    of which the section's own drawing pass: ${stats(timings.map((t) => t.render))}`);
  console.log(`    until the next frame is produced (layout, paint): ${stats(timings.map((t) => t.painted))}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
