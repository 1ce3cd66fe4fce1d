// Whether the comparison panel's stylesheet (dist/webview.css: panel.css and uPlot's rules) is in
// force, read from the page as drawn: its grid, uPlot's overlay positioning, and every chart's
// plot inside its own box, below its title, overlapping no other chart. Without the stylesheet the
// page still renders, but the plots spill out of their sections onto the next chart.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

interface ChartLayout {
  title: string;
  section: Box;
  header: Box;
  plots: Box[];
}

const EPS = 0.5;

function inside(inner: Box, outer: Box): boolean {
  return (
    inner.top >= outer.top - EPS && inner.bottom <= outer.bottom + EPS && inner.left >= outer.left - EPS && inner.right <= outer.right + EPS
  );
}

function overlap(a: Box, b: Box): boolean {
  return a.left < b.right - EPS && b.left < a.right - EPS && a.top < b.bottom - EPS && b.top < a.bottom - EPS;
}

/** Fails, naming the chart and the rule, unless the panel is laid out by its stylesheet. */
export async function assertPanelStyled(frame: FrameLocator): Promise<void> {
  const page = await frame.locator('body').evaluate(() => {
    const box = (e: Element): Box => {
      const r = e.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    const style = (sel: string, prop: string): string => {
      const e = document.querySelector(sel);
      return e ? getComputedStyle(e).getPropertyValue(prop) : '(no element)';
    };
    const charts: ChartLayout[] = Array.from(document.querySelectorAll('.tl-chart'))
      .filter((s) => !(s as HTMLElement).hidden)
      .map((s) => ({
        title: s.querySelector('h3')?.textContent ?? '?',
        section: box(s),
        header: box(s.querySelector('header')!),
        plots: Array.from(s.querySelectorAll('.uplot canvas, .uplot .u-over')).map(box),
      }));
    return { grid: style('.tl-charts', 'display'), over: style('.uplot .u-over', 'position'), charts };
  });
  assert.equal(page.grid, 'grid', 'webview.css lays the charts out in a grid (.tl-charts)');
  assert.equal(page.over, 'absolute', "uPlot's rules (bundled in webview.css) place its cursor overlay over the plot");
  const drawn = page.charts.filter((c) => c.plots.length > 0);
  assert.ok(drawn.length >= 2, `charts with a plot: ${drawn.map((c) => c.title).join(', ')}`);
  for (const c of drawn) {
    for (const p of c.plots) {
      assert.ok(inside(p, c.section), `"${c.title}": its plot ${JSON.stringify(p)} lies outside its section ${JSON.stringify(c.section)}`);
      assert.ok(p.top >= c.header.bottom - EPS, `"${c.title}": its plot starts above the bottom of its title row`);
    }
  }
  page.charts.forEach((a, i) =>
    page.charts.slice(i + 1).forEach((b) => assert.ok(!overlap(a.section, b.section), `"${a.title}" and "${b.title}" overlap`)),
  );
}
