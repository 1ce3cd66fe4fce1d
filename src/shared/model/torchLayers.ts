// PyTorch leaf layers with their parameter names and shapes, and the YOLOv5 building blocks
// (models/common.py) composed from them in the same registration order, so that parameter names
// (`model.2.m.0.cv1.conv.weight`) and counts match what YOLOv5's `named_parameters()` reports.
// Only parameters are counted: BatchNorm running statistics are buffers, as in YOLOv5's summary.
import type { LayerInfo, ParamInfo } from './types';

export type Kernel = number | [number, number];

export class LayerCollector {
  readonly layers: LayerInfo[] = [];

  private add(name: string, type: string, shapes: Array<[string, number[]]>): void {
    const params: ParamInfo[] = shapes.map(([p, shape]) => ({
      name: `${name}.${p}`,
      shape,
      count: shape.reduce((a, b) => a * b, 1),
    }));
    this.layers.push({ name, type, params });
  }

  /** nn.Conv2d: weight [out, in/groups, kh, kw], bias [out] when enabled. */
  conv2d(name: string, c1: number, c2: number, k: Kernel, g = 1, bias = false): void {
    if (c1 % g !== 0 || c2 % g !== 0) throw new ArgError(`groups ${g} must divide both channel counts (${c1} in, ${c2} out)`);
    const [kh, kw] = pair(k);
    const shapes: Array<[string, number[]]> = [['weight', [c2, c1 / g, kh, kw]]];
    if (bias) shapes.push(['bias', [c2]]);
    this.add(name, 'Conv2d', shapes);
  }

  /** nn.ConvTranspose2d: weight [in, out/groups, kh, kw], bias [out]. */
  convTranspose2d(name: string, c1: number, c2: number, k: Kernel, g = 1, bias = true): void {
    if (c1 % g !== 0 || c2 % g !== 0) throw new ArgError(`groups ${g} must divide both channel counts (${c1} in, ${c2} out)`);
    const [kh, kw] = pair(k);
    const shapes: Array<[string, number[]]> = [['weight', [c1, c2 / g, kh, kw]]];
    if (bias) shapes.push(['bias', [c2]]);
    this.add(name, 'ConvTranspose2d', shapes);
  }

  /** nn.BatchNorm2d / BatchNorm1d: weight and bias (running mean/var are buffers, not counted). */
  batchNorm(name: string, c: number, type = 'BatchNorm2d'): void {
    this.add(name, type, [
      ['weight', [c]],
      ['bias', [c]],
    ]);
  }

  /** nn.Linear: weight [out, in], bias [out]. */
  linear(name: string, cin: number, cout: number, bias = true): void {
    const shapes: Array<[string, number[]]> = [['weight', [cout, cin]]];
    if (bias) shapes.push(['bias', [cout]]);
    this.add(name, 'Linear', shapes);
  }

  get paramCount(): number {
    let n = 0;
    for (const l of this.layers) for (const p of l.params) n += p.count;
    return n;
  }
}

/** A constructor argument YOLOv5 would reject (or that would fail at forward time). */
export class ArgError extends Error {}

export function pair(k: Kernel): [number, number] {
  return typeof k === 'number' ? [k, k] : k;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

// --- YOLOv5 blocks: `p` is the module's name prefix (`model.3`, `model.2.m.0`). ---

/** Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True) = Conv2d without bias + BatchNorm2d. */
export function conv(L: LayerCollector, p: string, c1: number, c2: number, k: Kernel = 1, g = 1): void {
  L.conv2d(`${p}.conv`, c1, c2, k, g, false);
  L.batchNorm(`${p}.bn`, c2);
}

/** DWConv(c1, c2, k, s, d, act): Conv with groups = gcd(c1, c2). */
export function dwConv(L: LayerCollector, p: string, c1: number, c2: number, k: Kernel = 1): void {
  conv(L, p, c1, c2, k, gcd(c1, c2));
}

/** Bottleneck(c1, c2, shortcut=True, g=1, e=0.5): cv1 1×1 to c2*e, cv2 3×3 to c2. */
export function bottleneck(L: LayerCollector, p: string, c1: number, c2: number, g = 1, e = 0.5): void {
  const c_ = Math.trunc(c2 * e);
  conv(L, `${p}.cv1`, c1, c_, 1);
  conv(L, `${p}.cv2`, c_, c2, 3, g);
}

/** CrossConv(c1, c2, k=3, s=1, g=1, e=1.0, shortcut=False): (1,k) then (k,1) convolutions. */
export function crossConv(L: LayerCollector, p: string, c1: number, c2: number, k = 3, g = 1, e = 1.0): void {
  const c_ = Math.trunc(c2 * e);
  conv(L, `${p}.cv1`, c1, c_, [1, k]);
  conv(L, `${p}.cv2`, c_, c2, [k, 1], g);
}

/** GhostConv(c1, c2, k=1, s=1, g=1, act): cv1 k×k to c2/2, cv2 depth-wise 5×5. */
export function ghostConv(L: LayerCollector, p: string, c1: number, c2: number, k = 1, g = 1): void {
  const c_ = Math.trunc(c2 / 2);
  conv(L, `${p}.cv1`, c1, c_, k, g);
  conv(L, `${p}.cv2`, c_, c_, 5, c_);
}

/** GhostBottleneck(c1, c2, k=3, s=1): conv = [GhostConv, DWConv if s==2 else Identity, GhostConv];
 *  shortcut = [DWConv, Conv] when s == 2. */
export function ghostBottleneck(L: LayerCollector, p: string, c1: number, c2: number, k = 3, s = 1): void {
  const c_ = Math.trunc(c2 / 2);
  ghostConv(L, `${p}.conv.0`, c1, c_, 1, 1);
  if (s === 2) dwConv(L, `${p}.conv.1`, c_, c_, k);
  ghostConv(L, `${p}.conv.2`, c_, c2, 1, 1);
  if (s === 2) {
    dwConv(L, `${p}.shortcut.0`, c1, c1, k);
    conv(L, `${p}.shortcut.1`, c1, c2, 1);
  }
}

export type C3Inner = 'Bottleneck' | 'CrossConv' | 'GhostBottleneck';

/** C3(c1, c2, n=1, shortcut=True, g=1, e=0.5) and its C3x / C3Ghost variants. */
export function c3(L: LayerCollector, p: string, c1: number, c2: number, n: number, g: number, e: number, inner: C3Inner): void {
  const c_ = Math.trunc(c2 * e);
  conv(L, `${p}.cv1`, c1, c_, 1);
  conv(L, `${p}.cv2`, c1, c_, 1);
  conv(L, `${p}.cv3`, 2 * c_, c2, 1);
  for (let i = 0; i < n; i++) {
    if (inner === 'Bottleneck') bottleneck(L, `${p}.m.${i}`, c_, c_, g, 1.0);
    else if (inner === 'CrossConv') crossConv(L, `${p}.m.${i}`, c_, c_, 3, g, 1.0);
    else ghostBottleneck(L, `${p}.m.${i}`, c_, c_);
  }
}

/** BottleneckCSP(c1, c2, n=1, shortcut=True, g=1, e=0.5): cv2/cv3 are bare Conv2d, bn over 2*c_. */
export function bottleneckCSP(L: LayerCollector, p: string, c1: number, c2: number, n: number, g: number, e: number): void {
  const c_ = Math.trunc(c2 * e);
  conv(L, `${p}.cv1`, c1, c_, 1);
  L.conv2d(`${p}.cv2`, c1, c_, 1, 1, false);
  L.conv2d(`${p}.cv3`, c_, c_, 1, 1, false);
  conv(L, `${p}.cv4`, 2 * c_, c2, 1);
  L.batchNorm(`${p}.bn`, 2 * c_);
  for (let i = 0; i < n; i++) bottleneck(L, `${p}.m.${i}`, c_, c_, g, 1.0);
}

/** SPP(c1, c2, k=(5, 9, 13)): cv1 to c1/2, max-pools, cv2 from c1/2 * (len(k)+1). */
export function spp(L: LayerCollector, p: string, c1: number, c2: number, pools: number): void {
  const c_ = Math.trunc(c1 / 2);
  conv(L, `${p}.cv1`, c1, c_, 1);
  conv(L, `${p}.cv2`, c_ * (pools + 1), c2, 1);
}

/** SPPF(c1, c2, k=5): cv1 to c1/2, three chained max-pools, cv2 from 4 * c1/2. */
export function sppf(L: LayerCollector, p: string, c1: number, c2: number): void {
  const c_ = Math.trunc(c1 / 2);
  conv(L, `${p}.cv1`, c1, c_, 1);
  conv(L, `${p}.cv2`, c_ * 4, c2, 1);
}

/** Focus(c1, c2, k=1, s=1, p=None, g=1): space-to-depth then Conv(4*c1, c2). */
export function focus(L: LayerCollector, p: string, c1: number, c2: number, k: number, g: number): void {
  conv(L, `${p}.conv`, c1 * 4, c2, k, g);
}

/** Detect(nc, anchors, ch): one 1×1 Conv2d with bias per input, na*(nc+5) outputs each. */
export function detect(L: LayerCollector, p: string, no: number, na: number, chs: number[]): void {
  chs.forEach((c, i) => L.conv2d(`${p}.m.${i}`, c, no * na, 1, 1, true));
}

/** Classify(c1, c2, k=1, s=1): Conv(c1, 1280, k) + pool + dropout + Linear(1280, c2). */
export function classify(L: LayerCollector, p: string, c1: number, c2: number, k: number): void {
  conv(L, `${p}.conv`, c1, 1280, k);
  L.linear(`${p}.linear`, 1280, c2);
}
