// One run's confusion matrix as a heat map that is also a real table: class names head the rows
// (true) and columns (predicted), every cell carries its numbers as text and an aria-label, so a
// screen reader reads it as a table. Colours come from the theme's chart variables through CSS
// (panel.css): the diagonal in --vscode-charts-green, mistakes in --vscode-charts-red, the
// intensity a per-cell custom property. Also the matrix as a PNG for export (canvas cannot read
// CSS variables, so their values are resolved first).
import type { Predictions } from '../src/shared/runFolder/predictions';
import { el } from './dom';
import { confusionCells } from './predictionsModel';
import type { ThemeColors } from './theme';

/** Above this intensity a cell's text takes the page background colour, to stay readable. */
const STRONG = 0.55;

export function confusionTable(p: Predictions, normalized: boolean, caption: string): HTMLTableElement {
  const table = el('table', 'tl-confusion');
  const cap = el('caption', undefined, caption);
  const head = el('thead');
  const hr = el('tr');
  const corner = el('th', 'tl-confusion-corner', 'true ↓ predicted →');
  corner.scope = 'col';
  hr.append(corner);
  for (const c of p.classes) {
    const th = el('th', undefined, c);
    th.scope = 'col';
    hr.append(th);
  }
  head.append(hr);
  const body = el('tbody');
  confusionCells(p, normalized).forEach((row, t) => {
    const tr = el('tr');
    const th = el('th', undefined, p.classes[t]);
    th.scope = 'row';
    tr.append(th);
    row.forEach((cell, q) => {
      const td = el('td', q === t ? 'tl-hit' : 'tl-miss', cell.text);
      td.setAttribute('aria-label', cell.label);
      td.title = cell.label;
      td.style.setProperty('--tl-heat', `${Math.round(cell.heat * 100)}%`);
      if (cell.heat > STRONG) td.classList.add('tl-strong');
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(cap, head, body);
  return table;
}

function themeVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The matrix as a PNG data URL: title, class names, cells in the theme's colours. */
export function confusionPng(p: Predictions, normalized: boolean, title: string, theme: ThemeColors): string {
  const cells = confusionCells(p, normalized);
  const k = p.classes.length;
  const cell = 44;
  const probe = document.createElement('canvas').getContext('2d')!;
  probe.font = `12px ${theme.fontFamily}`;
  const labelW = Math.ceil(Math.max(40, ...p.classes.map((c) => probe.measureText(c).width))) + 12;
  const top = 52 + labelW;
  const width = labelW + k * cell + 16;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(width, Math.ceil(probe.measureText(title).width) + 24);
  canvas.height = top + k * cell + 12;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = theme.foreground;
  ctx.font = `600 14px ${theme.fontFamily}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 8, 16);
  ctx.font = `12px ${theme.fontFamily}`;
  ctx.fillText('true ↓  predicted →', 8, 38);
  const hit = themeVar('--vscode-charts-green', '#388a34');
  const miss = themeVar('--vscode-charts-red', '#f14c4c');
  for (let q = 0; q < k; q++) {
    ctx.save();
    ctx.translate(labelW + q * cell + cell / 2, top - 6);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(p.classes[q], 0, 0);
    ctx.restore();
  }
  cells.forEach((row, t) => {
    const y = top + t * cell;
    ctx.fillStyle = theme.foreground;
    ctx.textAlign = 'left';
    ctx.fillText(p.classes[t], 6, y + cell / 2);
    row.forEach((c, q) => {
      const x = labelW + q * cell;
      ctx.globalAlpha = c.heat;
      ctx.fillStyle = q === t ? hit : miss;
      ctx.fillRect(x, y, cell - 1, cell - 1);
      ctx.globalAlpha = 1;
      ctx.fillStyle = c.heat > STRONG ? theme.background : theme.foreground;
      ctx.textAlign = 'center';
      ctx.fillText(c.text, x + cell / 2, y + cell / 2);
    });
  });
  return canvas.toDataURL('image/png');
}
