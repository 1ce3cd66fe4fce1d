// The Predictions section's smaller pieces: image tiles (top losses, compare lists), per-class
// accuracy bars across runs, and a run's most confused class pairs. Thumbnails are the base64 PNGs
// of the predictions file shown as data: URLs (see src/shared/panel/predictionsMessage.ts).
import type { Predictions } from '../src/shared/runFolder/predictions';
import { el } from './dom';
import { mostConfused, perClassAccuracy } from './predictionsModel';

export interface TileText {
  /** Lines under the image. */
  lines: string[];
  /** The tile's accessible name. */
  label: string;
}

/**
 * One validation image: its thumbnail (or its index where the file has none) and lines of text.
 * With `open` the tile is a button that asks the host to open the image file.
 */
export function imageTile(index: number, thumbnail: string | undefined, text: TileText, open?: () => void): HTMLElement {
  const tile = el(open ? 'button' : 'figure', 'tl-tile');
  tile.setAttribute('aria-label', text.label);
  tile.title = text.label + (open ? ' (click to open the image file)' : '');
  if (thumbnail) {
    const img = el('img');
    img.src = `data:image/png;base64,${thumbnail}`;
    img.alt = '';
    img.decoding = 'async';
    tile.append(img);
  } else {
    tile.append(el('span', 'tl-tile-noimg', `#${index}`));
  }
  const cap = el(open ? 'span' : 'figcaption', 'tl-tile-text');
  for (const line of text.lines) cap.append(el('span', undefined, line));
  tile.append(cap);
  if (open) tile.addEventListener('click', open);
  return tile;
}

/** Tiles as a list (each in its own item, so a button tile keeps its button role). */
export function gallery(tiles: readonly HTMLElement[]): HTMLElement {
  const list = el('ul', 'tl-gallery');
  for (const t of tiles) {
    const li = el('li');
    li.append(t);
    list.append(li);
  }
  return list;
}

/** The N highest-loss images of one run, highest first. */
export function topLossTiles(p: Predictions, open?: (index: number) => void): HTMLElement[] {
  return p.topLosses.map((x) =>
    imageTile(
      x.index,
      p.thumbnails[String(x.index)],
      {
        lines: [`${p.classes[x.truth]} → ${p.classes[x.predicted]}`, `p ${x.probability.toFixed(2)} · loss ${x.loss.toFixed(2)}`],
        label: `image ${x.index}: true ${p.classes[x.truth]}, predicted ${p.classes[x.predicted]} with probability ${x.probability.toFixed(2)}, loss ${x.loss.toFixed(2)}`,
      },
      open && p.files ? () => open(x.index) : undefined,
    ),
  );
}

/** Most confused pairs of one run as a list ("7 → 1: 12 (8.0% of 7)"). */
export function mostConfusedList(p: Predictions, limit = 5): HTMLElement {
  const pairs = mostConfused(p.confusion, limit);
  if (!pairs.length) return el('p', 'tl-note', 'No mistakes on the validation set.');
  const list = el('ol', 'tl-confused');
  for (const x of pairs)
    list.append(
      el(
        'li',
        undefined,
        `${p.classes[x.truth]} → ${p.classes[x.predicted]}: ${x.count} (${(100 * x.share).toFixed(1)}% of ${p.classes[x.truth]})`,
      ),
    );
  return list;
}

export interface RunBars {
  name: string;
  color: string;
  predictions: Predictions;
}

/**
 * Per-class accuracy (share of each true class predicted right), one bar per run in the run's
 * colour, grouped by class. Runs with other classes than the first are left out and named, since
 * their bars would stand under the wrong class names.
 */
export function classAccuracyBars(runs: readonly RunBars[]): HTMLElement {
  const box = el('div', 'tl-class-acc');
  if (!runs.length) return box;
  const classes = runs[0].predictions.classes;
  const same = runs.filter((r) => r.predictions.classes.join('\n') === classes.join('\n'));
  const table = el('table', 'tl-class-acc-table');
  table.append(el('caption', undefined, 'Per-class accuracy (share of each true class predicted right), one bar per run'));
  const acc = same.map((r) => perClassAccuracy(r.predictions.confusion));
  const body = el('tbody');
  classes.forEach((c, t) => {
    const tr = el('tr');
    const th = el('th', undefined, c);
    th.scope = 'row';
    const td = el('td');
    same.forEach((r, i) => {
      const a = acc[i][t];
      const text = a === null ? 'no images' : `${(100 * a).toFixed(1)}%`;
      const bar = el('div', 'tl-bar');
      bar.setAttribute('role', 'img');
      bar.setAttribute('aria-label', `${r.name}, class ${c}: ${text}`);
      bar.title = `${r.name}: ${text}`;
      const fill = el('span', 'tl-bar-fill');
      fill.style.width = `${a === null ? 0 : 100 * a}%`;
      fill.style.backgroundColor = r.color;
      bar.append(fill, el('span', 'tl-bar-text', text));
      td.append(bar);
    });
    tr.append(th, td);
    body.append(tr);
  });
  table.append(body);
  box.append(table);
  const other = runs.filter((r) => !same.includes(r));
  if (other.length)
    box.append(el('p', 'tl-note', `Not shown (other classes than ${runs[0].name}): ${other.map((r) => r.name).join(', ')}.`));
  return box;
}
