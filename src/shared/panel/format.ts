// Human-readable numbers for axes, the summary table and exports.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${u === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${BYTE_UNITS[u]}`;
}

/** 0.5 s, 42 s, 3m 20s, 1h 05m */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s < 10) return `${sign}${s.toFixed(s < 1 ? 2 : 1)} s`;
  if (s < 60) return `${sign}${s.toFixed(0)} s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${sign}${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** An accuracy in [0, 1] as a percentage: 0.9234 -> "92.3%". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 1234567 -> "1.23M", 0.000123 -> "1.23e-4": short, for axes and tables. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${(v / 1e9).toFixed(a >= 1e11 ? 0 : 2)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e8 ? 0 : 2)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2).replace(/\.?0+$/, '');
  if (a >= 1e-3) return v.toPrecision(3).replace(/\.?0+$/, '');
  return v.toExponential(2);
}

/** A whole count with thousands separators: 1234567 -> "1,234,567". */
export function formatCount(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  // Not toLocaleString: it is slow enough to show when a table of runs updates every frame.
  const s = String(Math.abs(Math.round(v))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return v < 0 ? `-${s}` : s;
}
