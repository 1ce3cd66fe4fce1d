import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildSvgChart, linePoints, logTicks, niceTicks, escapeXml, type SvgChartSpec } from '../../webview/svgChart';

const spec = (over: Partial<SvgChartSpec> = {}): SvgChartSpec => ({
  title: 'Loss <val & train>',
  width: 600,
  height: 300,
  xRange: [1, 10],
  yRange: [0, 2],
  xLabel: 'Epoch',
  lines: [
    { label: 'f0 val', color: '#4e79a7', x: [1, 2, 3, 10], y: [2, 1.5, null, 0.5] },
    { label: 'f0 train', color: '#4e79a7', dash: [6, 4], opacity: 0.3, x: [1, 10], y: [1.8, 0.4] },
  ],
  legend: [{ label: 'f0', color: '#4e79a7' }],
  formatX: (v) => String(v),
  formatY: (v) => v.toFixed(1),
  colors: { background: '#1e1e1e', foreground: '#cccccc', grid: '#333333' },
  ...over,
});

test('the SVG holds the escaped title, one path per line with its colour and dash, and a legend', () => {
  const svg = buildSvgChart(spec());
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.includes('Loss &lt;val &amp; train&gt;'));
  const paths = svg.match(/<path d="[^"]+" stroke="#4e79a7"[^>]*>/g) ?? [];
  assert.equal(paths.length, 2);
  assert.ok(paths[1].includes('stroke-dasharray="6 4"'));
  assert.ok(paths[1].includes('stroke-opacity="0.3"'));
  // The null point is skipped: 3 points -> M + 2 L.
  assert.equal((paths[0].match(/[ML]/g) ?? []).length, 3);
  assert.ok(svg.includes('>f0</text>'));
  // x = 1 maps to the plot's left edge (72 px), y = 2 (top of range) to the top (32 px).
  assert.ok(paths[0].includes('d="M72 32L'));
});

test('log axis leaves out values <= 0 and uses powers of ten', () => {
  const svg = buildSvgChart(spec({ yLog: true, yRange: [0.01, 10], lines: [{ label: 'x', color: '#f00', x: [1, 2, 3], y: [0, 0.1, 1] }] }));
  const d = /<path d="([^"]+)"/.exec(svg)![1];
  assert.equal((d.match(/[ML]/g) ?? []).length, 2);
  assert.deepEqual(logTicks(0.01, 10), [0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(1, 50), [1, 2, 5, 10, 20, 50]);
});

test('long series are reduced per pixel column', () => {
  const n = 100_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 50));
  const pts = linePoints(
    x,
    y,
    (v) => (v / n) * 500,
    (v) => 100 - v * 50,
    false,
  );
  assert.ok(pts.length <= 4 * 501, `${pts.length} points`);
  // Extremes survive the reduction.
  assert.ok(Math.min(...pts.map((p) => p[1])) <= 50.01);
  assert.ok(Math.max(...pts.map((p) => p[1])) >= 149.99);
});

test('nice ticks', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1, 10, 4), [2.5, 5, 7.5, 10]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.equal(escapeXml(`"a'<`), '&quot;a&apos;&lt;');
});
