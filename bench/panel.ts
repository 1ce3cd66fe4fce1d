// Benchmark of the comparison panel's webview in headless Chromium: first render of 20 runs x
// 10,000 epochs, then one new epoch for every run (20 appendEpochs messages, as the host sends
// them). Prints medians; never asserts. Goals: first render <= 200 ms, an append <= 16 ms (one frame).
//
//   npm run compile && npx tsc -p tsconfig.test.json && node out/bench/panel.js
//   env: CHROME_PATH (default /usr/bin/chromium), BENCH_RUNS, BENCH_POINTS, BENCH_ITERATIONS, BENCH_APPENDS
//
// The data is synthetic (smooth curves with seeded noise): the benchmark measures drawing, not training.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { METRIC_KEYS } from '../src/shared/panel/series';
import { makeInit } from './panelData';
import { checkWebview, FLAGS, pageHtml, stats } from './benchPage';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const POINTS = Number(process.env.BENCH_POINTS ?? 10_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 10);
const FLUSH_MEASURE = 'transferLab:flush';

interface RenderTiming {
  /** Dispatch of the init message until every on-screen chart is drawn (drawing is synchronous). */
  drawn: number;
  /** Until the frame after drawing has been produced (includes rasterising the canvases). */
  painted: number;
  /** The webview's drawing pass alone (its performance measure). */
  flush: number;
}

async function firstRender(page: Page): Promise<RenderTiming> {
  // `; 0`: the evaluation's value comes back to Node, and the message itself would take a minute to copy.
  await page.evaluate(
    `window.__init = (${makeInit.toString()})(${JSON.stringify({ runs: RUNS, points: POINTS, metricKeys: METRIC_KEYS })}); 0`,
  );
  const timing = await page.evaluate(async () => {
    const w = window as unknown as { __init: unknown };
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: w.__init }));
    // Anything uPlot left for a microtask runs before this continuation.
    await Promise.resolve();
    const drawn = performance.now() - t0;
    // Canvas commands are rasterised when the frame is produced: a task after the next animation
    // frame runs once that is done.
    await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => setTimeout(r, 0));
    const painted = performance.now() - t0;
    const m = performance.getEntriesByName('transferLab:flush').pop();
    return { drawn, painted, flush: m ? m.duration : NaN };
  });
  await checkWebview(page, 'the init message');
  return timing;
}

interface AppendTiming {
  /** From the first message to the first drawing task (the next animation frame). */
  firstWait: number;
  /** Time between the drawing tasks. */
  gaps: number;
  /** The longest drawing task. */
  work: number;
  /** Drawing work over all tasks. */
  total: number;
  frames: number;
  latency: number;
  drawn: string[];
}

async function appendOne(page: Page, epoch: number): Promise<AppendTiming> {
  return page.evaluate(
    async ({ runs, epoch, measure }) => {
      const before = performance.getEntriesByName(measure).length;
      const posted = (window as unknown as { __posted: Array<{ type: string; level?: string; message?: string }> }).__posted;
      const postedBefore = posted.length;
      const msgs = [];
      for (let r = 0; r < runs; r++) {
        msgs.push({
          type: 'appendEpochs',
          run: `freeze-${r}`,
          epochs: [
            {
              epoch,
              'train/loss': 0.1,
              'val/loss': 0.15,
              'val/accuracy': 0.94,
              'val/top5': 0.98,
              lr: 0.0001,
              epoch_seconds: 3,
              images_per_second: 2000,
              tensor_bytes: 7e7,
              peak_tensor_bytes: 9e7,
              rss_bytes: 4.5e8,
              device_util: 75,
              device_memory_bytes: 2e9,
              time: new Date(Date.UTC(2024, 0, 2) + epoch * 3000).toISOString(),
            },
          ],
        });
      }
      for (const m of msgs) window.dispatchEvent(new MessageEvent('message', { data: m }));
      // The webview may spread the charts over several tasks: wait until nothing is left.
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        // An ignored message draws nothing: stop with the webview's words rather than wait for ever.
        const complaint = posted.slice(postedBefore).find((m) => m.type === 'log' && m.level !== 'info');
        if (complaint) throw new Error(`the webview did not draw the appended epochs: ${complaint.level}: ${complaint.message}`);
        const entries = performance.getEntriesByName(measure).slice(before) as PerformanceMeasure[];
        const last = entries[entries.length - 1];
        if (last && (last.detail as { remaining: number }).remaining === 0) {
          const end = last.startTime + last.duration;
          const since = end - (last.detail as { latency: number }).latency;
          let gaps = 0;
          for (let i = 1; i < entries.length; i++) gaps += entries[i].startTime - (entries[i - 1].startTime + entries[i - 1].duration);
          return {
            firstWait: entries[0].startTime - since,
            gaps,
            work: Math.max(...entries.map((e) => e.duration)),
            total: entries.reduce((a, e) => a + e.duration, 0),
            frames: entries.length,
            latency: (last.detail as { latency: number }).latency,
            drawn: entries.flatMap((e) => (e.detail as { drawn: string[] }).drawn),
          };
        }
      }
    },
    { runs: RUNS, epoch, measure: FLUSH_MEASURE },
  );
}

async function scenario(viewport: { width: number; height: number }, exe: string): Promise<void> {
  const profile = mkdtempSync(path.join(tmpdir(), 'tl-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: exe, headless: true, args: FLAGS, viewport });
  const first: RenderTiming[] = [];
  const appends: AppendTiming[] = [];
  const errors: string[] = [];
  let lastRendered: unknown;
  try {
    for (let it = 0; it < ITERATIONS; it++) {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setContent(pageHtml());
      first.push(await firstRender(page));
      for (let k = 1; k <= APPENDS; k++) appends.push(await appendOne(page, POINTS + k));
      lastRendered = await page.evaluate(() =>
        (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'rendered').pop(),
      );
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const r = lastRendered as { charts: string[]; points: number } | undefined;
  console.log(
    `\nviewport ${viewport.width}x${viewport.height}: ${ITERATIONS} page loads, ${APPENDS} appends each; the webview reported ${r?.points ?? '?'} points, charts [${r?.charts.join(', ') ?? '?'}]`,
  );
  console.log(`  first render, init dispatched -> every on-screen chart drawn: ${stats(first.map((f) => f.drawn))}   goal <= 200 ms`);
  console.log(`    of which the webview's own drawing pass (after validation and storing): ${stats(first.map((f) => f.flush))}`);
  console.log(`    until the next frame is produced (canvases rasterised): ${stats(first.map((f) => f.painted))}`);
  console.log(`  append 1 epoch to each of ${RUNS} runs, longest drawing task: ${stats(appends.map((a) => a.work))}   goal <= 16 ms`);
  console.log(
    `    drawing work over all tasks: ${stats(appends.map((a) => a.total))}; tasks used: ${[...new Set(appends.map((a) => a.frames))].sort().join(', ')}`,
  );
  console.log(`    latency from the first message to every chart drawn: ${stats(appends.map((a) => a.latency))}`);
  console.log(
    `      of which waiting for the next animation frame: ${stats(appends.map((a) => a.firstWait))}; between drawing tasks: ${stats(appends.map((a) => a.gaps))}`,
  );
  console.log(`    charts redrawn per append: ${[...new Set(appends.map((a) => [...a.drawn].sort().join(',')))].join(' | ')}`);
  if (errors.length) console.log(`  page errors: ${[...new Set(errors)].join('; ')}`);
}

async function main(): Promise<void> {
  const exe = process.env.CHROME_PATH || '/usr/bin/chromium';
  console.log(`panel bench: ${RUNS} runs x ${POINTS} epochs (synthetic), Chromium ${exe}`);
  await scenario({ width: 1280, height: 900 }, exe);
  // Tall enough that all six charts are on screen: the worst case for an append.
  await scenario({ width: 1280, height: 2600 }, exe);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
