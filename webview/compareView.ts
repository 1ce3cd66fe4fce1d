// Compare mode of the Predictions section: two runs side by side on the same validation images —
// the images run A gets right and run B wrong, and the reverse, each with both predictions under
// it (as A and B, the pickers' names; the tile's accessible name spells the runs out). Runs validated on other images are not compared (predictionsModel.compareRuns says why).
import type { Predictions } from '../src/shared/runFolder/predictions';
import { dropdown } from './controls';
import { el } from './dom';
import { compareRuns, thumbnailOf, type ComparedImage } from './predictionsModel';
import { gallery, imageTile } from './predictionsParts';

/** Tiles per list; the rest are counted. Thumbnailed images come first. */
const MAX_TILES = 48;

export interface CompareRun {
  name: string;
  predictions: Predictions;
}

export interface ComparePick {
  a?: string;
  b?: string;
}

function tiles(
  list: ComparedImage[],
  a: CompareRun,
  b: CompareRun,
  open: ((run: string, index: number) => void) | undefined,
): HTMLElement[] {
  const classes = a.predictions.classes;
  const withThumb = (x: ComparedImage) => (thumbnailOf(x.index, a.predictions, b.predictions) ? 0 : 1);
  const ordered = [...list].sort((x, y) => withThumb(x) - withThumb(y) || x.index - y.index).slice(0, MAX_TILES);
  const mark = (p: number, t: number) => (p === t ? '✓' : '✗');
  const canOpen = open && a.predictions.files ? open : undefined;
  return ordered.map((x) =>
    imageTile(
      x.index,
      thumbnailOf(x.index, a.predictions, b.predictions),
      {
        lines: [`true ${classes[x.truth]}`, `A: ${classes[x.a]} ${mark(x.a, x.truth)}`, `B: ${classes[x.b]} ${mark(x.b, x.truth)}`],
        label: `image ${x.index}, true ${classes[x.truth]}: ${a.name} predicts ${classes[x.a]}, ${b.name} predicts ${classes[x.b]}`,
      },
      canOpen ? () => canOpen(a.name, x.index) : undefined,
    ),
  );
}

function list(
  title: string,
  items: ComparedImage[],
  a: CompareRun,
  b: CompareRun,
  open?: (run: string, index: number) => void,
): HTMLElement {
  const box = el('section', 'tl-compare-list');
  box.append(el('h4', undefined, `${title} (${items.length})`));
  box.append(gallery(tiles(items, a, b, open)));
  if (items.length > MAX_TILES) box.append(el('p', 'tl-note', `and ${items.length - MAX_TILES} more`));
  if (!items.length) box.append(el('p', 'tl-note', 'None.'));
  return box;
}

/** The first two runs, in the panel's order, validated on the same images (else the first two):
 *  a sweep's runs rather than its pretraining run on other classes. */
function firstComparablePair(runs: readonly CompareRun[]): [string, string] {
  for (let i = 0; i < runs.length; i++)
    for (let j = i + 1; j < runs.length; j++)
      if (compareRuns(runs[i].predictions, runs[j].predictions).comparable) return [runs[i].name, runs[j].name];
  return [runs[0].name, runs[1].name];
}

/** The compare block: pickers for runs A and B, then the two lists. `pick` is the current choice. */
export function compareView(
  runs: readonly CompareRun[],
  pick: ComparePick,
  setPick: (pick: ComparePick) => void,
  open?: (run: string, index: number) => void,
): HTMLElement {
  const box = el('section', 'tl-compare');
  box.setAttribute('aria-label', 'Compare two runs image by image');
  box.append(el('h3', undefined, 'Compare two runs'));
  if (runs.length < 2) {
    box.append(el('p', 'tl-note', 'Two shown runs with predictions are needed to compare them image by image.'));
    return box;
  }
  const names = runs.map((r) => r.name);
  const first = firstComparablePair(runs);
  const aName = pick.a && names.includes(pick.a) ? pick.a : first[0];
  const bName =
    pick.b && names.includes(pick.b) && pick.b !== aName ? pick.b : aName === first[0] ? first[1] : names.find((n) => n !== aName)!;
  const options = names.map((n) => ({ value: n, label: n }));
  const pickers = el('div', 'tl-compare-pickers');
  pickers.append(
    dropdown('Run A', options, aName, (v) => setPick({ a: v, b: bName })).el,
    dropdown('Run B', options, bName, (v) => setPick({ a: aName, b: v })).el,
  );
  box.append(pickers);
  const a = runs.find((r) => r.name === aName)!;
  const b = runs.find((r) => r.name === bName)!;
  const c = compareRuns(a.predictions, b.predictions);
  if (!c.comparable) {
    box.append(el('p', 'tl-note', `Not compared: ${c.why}.`));
    return box;
  }
  box.append(
    el(
      'p',
      'tl-note',
      `Of ${a.predictions.truth.length} validation images: both right ${c.bothRight}, both wrong ${c.bothWrong}, only ${a.name} right ${c.aOnly.length}, only ${b.name} right ${c.bOnly.length}.`,
    ),
    list(`${a.name} right, ${b.name} wrong`, c.aOnly, a, b, open),
    list(`${b.name} right, ${a.name} wrong`, c.bOnly, a, b, open),
  );
  return box;
}
