// The summary table under the charts: one row per run with what was frozen, what it cost and what
// it reached, and its difference to the baseline the user picks. Rows are kept and updated in
// place, so live updates do not steal keyboard focus from a row's button.
import type { ExportFormat } from '../src/shared/panel/contract';
import { seriesToCsv, summaryToCsv } from '../src/shared/panel/csv';
import { formatBytes, formatCount, formatDuration, formatNumber, formatPercent } from '../src/shared/panel/format';
import type { RunStore } from '../src/shared/panel/runStore';
import type { SeriesColumns } from '../src/shared/panel/series';
import { compareToBaseline, defaultBaseline, formatDelta, formatFreeze, RunSummaryBuilder, type RunSummary, type SummaryDelta, type SummaryTable as TableData } from '../src/shared/panel/summary';
import { button, dropdown } from './controls';

export interface SummaryEnv {
  store: RunStore;
  isVisible(run: string): boolean;
  /** The user's pick, undefined for the default. */
  chosenBaseline(): string | undefined;
  setBaseline(run: string | undefined): void;
  openRun(run: string): void;
  exportFile(format: ExportFormat, what: string, data: string): void;
}

interface Column {
  header: string;
  /** Screen-reader header where the visible one is abbreviated. */
  title?: string;
  numeric?: boolean;
  cell(r: RunSummary, d: SummaryDelta | undefined, isBaseline: boolean): string;
}

const COLUMNS: Column[] = [
  { header: 'Freeze', cell: (r) => formatFreeze(r.freeze) },
  { header: 'vs baseline', title: 'Best accuracy, time per epoch and peak tensor memory against the baseline run', cell: (_r, d, isBase) => (isBase ? 'baseline' : d ? formatDelta(d) || '–' : '–') },
  { header: 'Best acc.', title: 'Best validation accuracy (epoch)', numeric: true, cell: (r) => (r.bestAccuracy === null ? '–' : `${formatPercent(r.bestAccuracy)}${r.bestEpoch !== null ? ` (${r.bestEpoch})` : ''}`) },
  { header: 'Final acc.', title: 'Validation accuracy of the last epoch', numeric: true, cell: (r) => formatPercent(r.finalAccuracy) },
  { header: 'Per epoch', title: 'Mean time per epoch', numeric: true, cell: (r) => formatDuration(r.secondsPerEpoch) },
  { header: 'Peak tensors', title: 'Peak tensor memory', numeric: true, cell: (r) => formatBytes(r.peakTensorBytes) },
  {
    header: 'Trainable',
    title: 'Trainable parameters (share of all parameters)',
    numeric: true,
    cell: (r) => (r.trainableParams === null ? '–' : `${formatCount(r.trainableParams)}${r.totalParams ? ` (${formatPercent(r.trainableParams / r.totalParams, 0)})` : ''}`),
  },
  { header: 'Epochs', numeric: true, cell: (r) => (r.epochsPlanned ? `${r.epochs}/${r.epochsPlanned}` : String(r.epochs)) },
  { header: 'Time', title: 'Total training time', numeric: true, cell: (r) => formatDuration(r.totalSeconds) },
  { header: 'Images/s', numeric: true, cell: (r) => formatNumber(r.meanImagesPerSecond) },
  { header: 'Peak RSS', title: 'Peak resident memory of the training process', numeric: true, cell: (r) => formatBytes(r.peakRssBytes) },
  { header: 'Status', cell: (r) => r.status },
];

interface Row {
  tr: HTMLTableRowElement;
  swatch: HTMLElement;
  name: HTMLButtonElement;
  cells: HTMLTableCellElement[];
}

export class SummaryTable {
  readonly section: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly picker: ReturnType<typeof dropdown>;
  private readonly rows = new Map<string, Row>();
  /** Per run: a builder fed only the new points, over the columns it was built from. */
  private readonly cache = new Map<string, { builder: RunSummaryBuilder; cols: SeriesColumns }>();
  private current: TableData = { rows: [], baseline: undefined, deltas: new Map() };
  private pickerKey = '';

  constructor(private readonly env: SummaryEnv) {
    this.section = document.createElement('section');
    this.section.className = 'tl-summary';
    this.section.setAttribute('aria-labelledby', 'tl-summary-title');
    const header = document.createElement('header');
    const title = document.createElement('h2');
    title.id = 'tl-summary-title';
    title.textContent = 'Summary';
    this.picker = dropdown('Baseline', [], '', (v) => this.env.setBaseline(v === '' ? undefined : v));
    const tools = document.createElement('span');
    tools.className = 'tl-chart-tools';
    tools.append(
      this.picker.el,
      button('Table CSV', () => this.env.exportFile('csv', 'summary', summaryToCsv(this.current)), { secondary: true, ariaLabel: 'Export the summary table as CSV' }),
      button('Series CSV', () => this.exportSeries(), { secondary: true, ariaLabel: 'Export every epoch of the shown runs as CSV' }),
    );
    header.append(title, tools);
    const wrap = document.createElement('div');
    wrap.className = 'tl-table-wrap';
    const table = document.createElement('table');
    const caption = document.createElement('caption');
    caption.className = 'tl-sr-only';
    caption.textContent = 'One row per run: freeze setting, cost and accuracy, and the difference to the baseline run.';
    const thead = table.createTHead();
    const hr = thead.insertRow();
    for (const h of ['Run', ...COLUMNS.map((c) => c.header)]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      const col = COLUMNS.find((c) => c.header === h);
      if (col?.title) th.title = col.title;
      if (col?.numeric) th.className = 'tl-num';
      hr.append(th);
    }
    this.tbody = table.createTBody();
    table.prepend(caption);
    wrap.append(table);
    this.section.append(header, wrap);
  }

  private exportSeries(): void {
    const runs = [...this.env.store.runs.values()].filter((r) => this.env.isVisible(r.info.record.name)).map((r) => ({ name: r.info.record.name, cols: r.cols }));
    this.env.exportFile('csv', 'series', seriesToCsv(runs));
  }

  /** Recomputes what changed (runs with new points or a new record) and updates the rows. */
  update(): void {
    const runs = [...this.env.store.runs.values()];
    const summaries: RunSummary[] = [];
    for (const r of runs) {
      const name = r.info.record.name;
      let c = this.cache.get(name);
      // Replaced columns (a restarted run) start over; appended ones only add their new points.
      if (!c || c.cols !== r.cols || c.builder.count > r.cols.epoch.length) {
        c = { builder: new RunSummaryBuilder(), cols: r.cols };
        this.cache.set(name, c);
      }
      summaries.push(c.builder.add(r.cols).result(r.info.record));
    }
    for (const name of this.cache.keys()) if (!this.env.store.runs.has(name)) this.cache.delete(name);
    const chosen = this.env.chosenBaseline();
    const baseline = chosen !== undefined && this.env.store.runs.has(chosen) ? chosen : defaultBaseline(runs.map((r) => r.info.record));
    const base = summaries.find((s) => s.run === baseline);
    const deltas = new Map<string, SummaryDelta>();
    if (base) for (const s of summaries) if (s !== base) deltas.set(s.run, compareToBaseline(s, base));
    this.current = { rows: summaries, baseline: base?.run, deltas };
    this.render(runs.map((r) => r.info.color));
    const fallback = defaultBaseline(runs.map((r) => r.info.record));
    const options = [{ value: '', label: fallback ? `Default (${fallback})` : 'Default (no unfrozen run)' }, ...summaries.map((s) => ({ value: s.run, label: s.run }))];
    const value = chosen !== undefined && this.env.store.runs.has(chosen) ? chosen : '';
    // Rebuilding the options of an open dropdown would close it: only when they change.
    const key = JSON.stringify([options, value]);
    if (key !== this.pickerKey) {
      this.pickerKey = key;
      this.picker.setOptions(options, value);
    }
  }

  get rowCount(): number {
    return this.current.rows.length;
  }

  private render(colors: string[]): void {
    const { rows, baseline, deltas } = this.current;
    const wanted = new Set(rows.map((r) => r.run));
    for (const [name, row] of this.rows) {
      if (!wanted.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    rows.forEach((s, i) => {
      let row = this.rows.get(s.run);
      if (!row) {
        row = this.makeRow(s.run);
        this.rows.set(s.run, row);
      }
      // Keep DOM order = display order without touching rows already in place.
      if (this.tbody.rows[i] !== row.tr) this.tbody.insertBefore(row.tr, this.tbody.rows[i] ?? null);
      row.swatch.style.backgroundColor = colors[i];
      row.tr.classList.toggle('tl-run-hidden', !this.env.isVisible(s.run));
      row.tr.classList.toggle('tl-baseline', s.run === baseline);
      COLUMNS.forEach((col, c) => {
        const text = col.cell(s, deltas.get(s.run), s.run === baseline);
        if (row!.cells[c].textContent !== text) row!.cells[c].textContent = text;
      });
    });
  }

  private makeRow(name: string): Row {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const swatch = document.createElement('span');
    swatch.className = 'tl-swatch';
    swatch.setAttribute('aria-hidden', 'true');
    const btn = document.createElement('button');
    btn.className = 'tl-link';
    btn.textContent = name;
    btn.title = `Open run ${name}`;
    btn.setAttribute('aria-label', `Open run ${name}`);
    btn.addEventListener('click', () => this.env.openRun(name));
    th.append(swatch, btn);
    tr.append(th);
    const cells = COLUMNS.map((col) => {
      const td = document.createElement('td');
      if (col.numeric) td.className = 'tl-num';
      tr.append(td);
      return td;
    });
    return { tr, swatch, name: btn, cells };
  }
}
