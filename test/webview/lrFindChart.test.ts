// The LR finder's chart: a log LR axis in decades, the smoothed and per-batch losses, and both
// suggestions drawn and named — the suggested one said to be so.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lrFindCaption, lrFindSvg } from '../../webview/lrFindSection';
import type { ThemeColors } from '../../webview/theme';
import { sampleResult } from '../support/lrFindSample';

const theme: ThemeColors = {
  foreground: '#cccccc',
  background: '#1e1e1e',
  grid: '#333333',
  axis: '#999999',
  fontFamily: 'sans-serif',
  fontSize: 13,
  highContrast: false,
};

const lrs = Array.from({ length: 41 }, (_, i) => 1e-7 * Math.pow(10, i / 5));
const curve = lrs.map((lr) => 2 - 1.5 / (1 + Math.exp(-4 * (Math.log10(lr) + 4))));
const result = sampleResult({
  lrs,
  losses: curve.map((v, i) => v + (i % 2 ? 0.05 : -0.05)),
  smoothed: curve,
  steps: 41,
  end: 'diverged',
  suggestions: { steepest: 1e-4, minimumTenth: 1e-2, suggested: 'steepest', lr: 1e-4, reason: 'r' },
});

test('the chart: title, decade ticks on the x axis, both losses and both suggestions', () => {
  const svg = lrFindSvg(result, theme);
  assert.match(svg, /<title>loss vs learning rate — digits<\/title>/);
  for (const d of [-7, -5, -3, -1, 1]) assert.ok(svg.includes(`>1e${d}</text>`), `tick 1e${d}`);
  assert.ok(!svg.includes('>1e-7.5<'), 'ticks are whole decades');
  assert.match(svg, /<title>smoothed loss<\/title>/);
  assert.match(svg, /<title>loss \(per batch\)<\/title>/);
  assert.match(svg, /<title>suggested: steepest descent 1\.0e-4<\/title>/);
  assert.match(svg, /<title>minimum ÷ 10 1\.0e-2<\/title>/);
  // The suggestion's line stands at x = 1e-4: the middle of the -7…1 range, left margin 72, plot 696 wide.
  const line = /<path d="M([\d.]+) [\d.]+L([\d.]+) [\d.]+" stroke="[^"]+"><title>suggested/.exec(svg);
  assert.ok(line, 'the suggested line is a vertical path');
  assert.equal(line[1], line[2]);
  assert.ok(Math.abs(Number(line[1]) - (72 + (3 / 8) * 696)) < 1, line[1]);
  // The other one is dashed.
  assert.match(svg, /stroke-dasharray="5 4"><title>minimum ÷ 10/);
});

test('the caption says how the test ended and what is suggested', () => {
  assert.equal(
    lrFindCaption(result),
    '41 of 41 steps (batch 16, adam, freeze 6, wasm), stopped when the smoothed loss passed 4× its best. ' +
      'suggested 1.0e-4 (steepest descent); steepest descent: 1.0e-4; minimum ÷ 10: 1.0e-2.',
  );
});
