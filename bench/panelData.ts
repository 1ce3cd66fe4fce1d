// The panel bench's synthetic runs: smooth curves with seeded noise, as the init message the host
// sends (src/shared/panel/contract.ts). makeInit runs inside the page (the bench passes its source
// text), so it is self-contained: the metric keys the contract requires come in as an argument,
// and every one of them gets a column (null where the bench has no figure, as for a
// classification run's mAP), so the webview accepts the message whatever keys are added later.
import type { HostMessage } from '../src/shared/panel/contract';
import type { SeriesColumns } from '../src/shared/panel/series';

export interface BenchInitArgs {
  runs: number;
  points: number;
  /** METRIC_KEYS of src/shared/panel/series.ts. */
  metricKeys: readonly string[];
}

export function makeInit(args: BenchInitArgs): HostMessage {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const t0 = Date.UTC(2024, 0, 1);
  const runs: Extract<HostMessage, { type: 'init' }>['runs'] = [];
  const series: Record<string, SeriesColumns> = {};
  const palette = [
    '#4e79a7',
    '#f28e2b',
    '#e15759',
    '#76b7b2',
    '#59a14f',
    '#edc948',
    '#b07aa1',
    '#ff9da7',
    '#9c755f',
    '#bab0ac',
    '#1f77b4',
    '#d62728',
    '#2ca02c',
    '#9467bd',
    '#17becf',
    '#bcbd22',
    '#8c564b',
    '#e377c2',
    '#ff7f0e',
    '#7f7f7f',
  ];
  for (let r = 0; r < args.runs; r++) {
    const name = `freeze-${r}`;
    const secs = 2 + 3 * (1 - r / args.runs);
    // Filled by push: packed arrays, as JSON.parse / structured clone deliver them.
    const values: Record<string, Array<number | null>> = {};
    for (const k of args.metricKeys) values[k] = [];
    const epoch: number[] = [];
    const time: number[] = [];
    let t = t0 + r * 1000;
    for (let i = 0; i < args.points; i++) {
      const p = i / args.points;
      const n = rnd() - 0.5;
      const s = secs * (1 + 0.1 * n);
      t += s * 1000;
      const acc = 0.95 - (0.01 * r) / args.runs - 0.8 * Math.exp(-6 * p) + 0.02 * n;
      const tensors = (80 - 2 * r) * 2 ** 20 * (1 + 0.02 * n);
      epoch.push(i + 1);
      time.push(t);
      const point: Record<string, number> = {
        'train/loss': 2 * Math.exp(-5 * p) + 0.1 + 0.05 * n,
        'val/loss': 2.1 * Math.exp(-4.5 * p) + 0.15 + 0.08 * n,
        'val/accuracy': acc,
        'val/top5': Math.min(1, acc + 0.04),
        lr: 0.001 * (1 - p),
        epoch_seconds: s,
        images_per_second: 6000 / s,
        tensor_bytes: tensors,
        peak_tensor_bytes: tensors * 1.3,
        rss_bytes: (400 + r) * 2 ** 20 + i * 10,
        device_util: 60 + 30 * rnd(),
        device_memory_bytes: (2000 - 40 * r) * 2 ** 20,
      };
      for (const k of args.metricKeys) values[k].push(point[k] ?? null);
    }
    series[name] = { epoch, time, values: values as SeriesColumns['values'] };
    runs.push({
      record: {
        name,
        status: 'running',
        experiment: '/bench/transfer.experiment.yaml',
        freeze: r,
        epochs: args.points * 2,
        trainableParams: 1e6 * (args.runs - r),
        totalParams: 1e6 * args.runs,
        startedAt: new Date(t0).toISOString(),
      },
      dir: `/bench/runs/${name}`,
      color: palette[r % palette.length],
    });
  }
  return { type: 'init', runs, series, summary: {}, theme: 'dark' };
}
