// The summary table under the charts: runs in comparison groups (comparability.ts), each group's
// heading naming what its runs share and the baseline its deltas are against, one row per run with
// what was frozen, what it cost and what it reached. Rows are kept and updated in place, so live
// updates do not steal keyboard focus from a row's button; their order comes from the runs, not
// from when each arrived.
import type { ExportFormat } from '../src/shared/panel/contract';
import type { ComparisonGroup } from '../src/shared/panel/comparability';
import { seriesToCsv, summaryToCsv } from './csv';
import { groupBaselineText, groupTitle } from './groupText';
import { uniformMetric } from '../src/shared/panel/measures';
import type { RunStore } from './runStore';
import type { SeriesColumns } from '../src/shared/panel/series';
import { RunSummaryBuilder, tabulate, type SummaryTable as TableData } from '../src/shared/panel/summary';
import { button, dropdown } from './controls';
import { COLUMNS } from './summaryColumns';

export interface SummaryEnv {
  store: RunStore;
  isVisible(run: string): boolean;
  /** The user's pick, undefined for the default. */
  chosenBaseline(): string | undefined;
  setBaseline(run: string | undefined): void;
  openRun(run: string): void;
  exportFile(format: ExportFormat, what: string, data: string): void;
}

interface Row {
  tr: HTMLTableRowElement;
  swatch: HTMLElement;
  name: HTMLButtonElement;
  cells: HTMLTableCellElement[];
}

/** A group's rows live in their own tbody, headed by a row that names the group and its baseline. */
interface Group {
  tbody: HTMLTableSectionElement;
  heading: HTMLTableCellElement;
}

export class SummaryTable {
  readonly section: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly headers: HTMLTableCellElement[] = [];
  private readonly picker: ReturnType<typeof dropdown>;
  private readonly rows = new Map<string, Row>();
  private readonly groups = new Map<string, Group>();
  /** Per run: a builder fed only the new points, over the columns it was built from. */
  private readonly cache = new Map<string, { builder: RunSummaryBuilder; cols: SeriesColumns }>();
  private current: TableData = { rows: [], groups: [], baselineOf: new Map(), deltas: new Map(), chosen: undefined };
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
      button('Table CSV', () => this.env.exportFile('csv', 'summary', summaryToCsv(this.current)), {
        secondary: true,
        ariaLabel: 'Export the summary table as CSV',
      }),
      button('Series CSV', () => this.exportSeries(), { secondary: true, ariaLabel: 'Export every epoch of the shown runs as CSV' }),
    );
    header.append(title, tools);
    const wrap = document.createElement('div');
    wrap.className = 'tl-table-wrap';
    this.table = document.createElement('table');
    const caption = document.createElement('caption');
    caption.className = 'tl-sr-only';
    caption.textContent =
      "Runs in groups that can be compared (same experiment, data and model); one row per run: freeze setting, cost and score, and the difference to the group's baseline run.";
    const hr = this.table.createTHead().insertRow();
    for (const col of [undefined, ...COLUMNS]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = col ? col.header(undefined) : 'Run';
      if (col?.numeric) th.className = 'tl-num';
      hr.append(th);
      if (col) this.headers.push(th);
    }
    this.table.prepend(caption);
    wrap.append(this.table);
    this.section.append(header, wrap);
  }

  private exportSeries(): void {
    const runs = [...this.env.store.runs.values()]
      .filter((r) => this.env.isVisible(r.info.record.name))
      .map((r) => ({ name: r.info.record.name, cols: r.cols }));
    this.env.exportFile('csv', 'series', seriesToCsv(runs));
  }

  /** Recomputes what changed (runs with new points or a new record) and updates the rows. */
  update(): void {
    const runs = [...this.env.store.runs.values()];
    const summaries = runs.map((r) => {
      const name = r.info.record.name;
      let c = this.cache.get(name);
      // Replaced columns (a restarted run) start over; appended ones only add their new points.
      if (!c || c.cols !== r.cols || c.builder.count > r.cols.epoch.length) {
        c = { builder: new RunSummaryBuilder(), cols: r.cols };
        this.cache.set(name, c);
      }
      return { record: r.info.record, summary: c.builder.add(r.cols).result(r.info.record) };
    });
    for (const name of this.cache.keys()) if (!this.env.store.runs.has(name)) this.cache.delete(name);
    const chosen = this.env.chosenBaseline();
    this.current = tabulate(summaries, chosen);
    this.render();
    const options = [
      { value: '', label: "Default: each group's nothing-frozen run" },
      ...[...this.current.rows]
        .map((s) => s.run)
        .sort()
        .map((run) => ({ value: run, label: run })),
    ];
    const value = this.current.chosen ?? '';
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

  private render(): void {
    const { rows, groups, deltas, chosen } = this.current;
    const metric = uniformMetric(rows.map((r) => r.metric));
    COLUMNS.forEach((col, c) => {
      const text = col.header(metric);
      if (this.headers[c].textContent !== text) this.headers[c].textContent = text;
      const title = col.title?.(metric) ?? '';
      if (this.headers[c].title !== title) this.headers[c].title = title;
    });
    const byName = new Map(rows.map((r) => [r.run, r]));
    const wantedRuns = new Set(byName.keys());
    for (const [name, row] of this.rows) {
      if (!wantedRuns.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    const wantedGroups = new Set(groups.map((g) => g.key));
    for (const [key, group] of this.groups) {
      if (!wantedGroups.has(key)) {
        group.tbody.remove();
        this.groups.delete(key);
      }
    }
    const baselines = new Set(groups.map((g) => g.baseline));
    groups.forEach((g, i) => {
      const group = this.placeGroup(g, i);
      g.runs.forEach((name, j) => {
        const s = byName.get(name)!;
        let row = this.rows.get(name);
        if (!row) {
          row = this.makeRow(name);
          this.rows.set(name, row);
        }
        // Keep DOM order = display order without touching rows already in place (row 0 is the heading).
        if (group.tbody.rows[j + 1] !== row.tr) group.tbody.insertBefore(row.tr, group.tbody.rows[j + 1] ?? null);
        row.swatch.style.backgroundColor = this.env.store.runs.get(name)?.info.color ?? '';
        row.tr.classList.toggle('tl-run-hidden', !this.env.isVisible(name));
        const baseline = baselines.has(name) ? (name === chosen ? 'chosen' : 'default') : undefined;
        row.tr.classList.toggle('tl-baseline', baseline !== undefined);
        COLUMNS.forEach((col, c) => {
          const text = col.cell(s, { delta: deltas.get(name), baseline, metric });
          if (row!.cells[c].textContent !== text) row!.cells[c].textContent = text;
        });
      });
    });
  }

  /** The group's tbody, created when new, at position `i`, its heading up to date. */
  private placeGroup(g: ComparisonGroup, i: number): Group {
    let group = this.groups.get(g.key);
    if (!group) {
      const tbody = document.createElement('tbody');
      tbody.className = 'tl-comparison-group';
      const tr = tbody.insertRow();
      tr.className = 'tl-group-heading';
      const heading = document.createElement('th');
      heading.scope = 'rowgroup';
      heading.colSpan = COLUMNS.length + 1;
      tr.append(heading);
      group = { tbody, heading };
      this.groups.set(g.key, group);
    }
    if (this.table.tBodies[i] !== group.tbody) this.table.insertBefore(group.tbody, this.table.tBodies[i] ?? null);
    const text = `${groupTitle(g)} — ${groupBaselineText(g)}`;
    if (group.heading.textContent !== text) group.heading.textContent = text;
    return group;
  }

  private makeRow(name: string): Row {
    const tr = document.createElement('tr');
    tr.className = 'tl-run';
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
