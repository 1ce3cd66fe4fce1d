// Which runs the page shows: the "Runs" checkboxes (one per run, in the run's colour), the hidden
// set kept in the webview state across reloads, and the host's selection from the Runs view. A
// change made here by the user is posted back so the Runs view can follow; one that came from the
// host is not (the host already knows it).
import { checkbox, type Control } from './controls';
import { el } from './dom';
import type { RunStore } from './runStore';
import type { Host } from './vscodeApi';

export class RunVisibility {
  /** The checkboxes' container, placed by the page. */
  readonly box = el('div', 'tl-run-checks');
  private readonly hidden: Set<string>;
  private readonly checks = new Map<string, Control<boolean>>();

  /** `changed`: a run was shown or hidden; redraw what shows it. */
  constructor(
    private readonly store: RunStore,
    private readonly host: Host,
    private readonly changed: (run: string, show: boolean) => void,
  ) {
    this.hidden = new Set<string>(host.state.hiddenRuns);
  }

  isVisible(run: string): boolean {
    return !this.hidden.has(run);
  }

  /** One checkbox per stored run, in store order; checkboxes of removed runs go. */
  rebuild(): void {
    const names = [...this.store.runs.keys()];
    for (const [name, ctl] of this.checks) {
      if (!this.store.runs.has(name)) {
        ctl.el.remove();
        this.checks.delete(name);
      }
    }
    names.forEach((name, i) => {
      let ctl = this.checks.get(name);
      if (!ctl) {
        const run = this.store.runs.get(name)!;
        ctl = checkbox(name, !this.hidden.has(name), (v) => this.set(name, v, true), { swatch: run.info.color });
        this.checks.set(name, ctl);
      }
      if (this.box.children[i] !== ctl.el) this.box.insertBefore(ctl.el, this.box.children[i] ?? null);
      this.update(name);
    });
  }

  /** The run's colour and status on its checkbox. */
  update(name: string): void {
    const ctl = this.checks.get(name);
    const run = this.store.runs.get(name);
    if (!ctl || !run) return;
    const sw = ctl.el.querySelector<HTMLElement>('.tl-swatch');
    if (sw) sw.style.backgroundColor = run.info.color;
    ctl.el.title = `${name}: ${run.info.record.status}`;
  }

  set(run: string, show: boolean, fromUser: boolean): void {
    if (show === !this.hidden.has(run)) return;
    if (show) this.hidden.delete(run);
    else this.hidden.add(run);
    const ctl = this.checks.get(run);
    if (ctl && ctl.get() !== show) ctl.set(show);
    this.host.save({ hiddenRuns: [...this.hidden] });
    this.changed(run, show);
    if (fromUser) this.postVisible();
  }

  /** The All / None buttons: one message for the lot. */
  setAll(show: boolean): void {
    for (const name of this.store.runs.keys()) this.set(name, show, false);
    this.postVisible();
  }

  /** The host's selection (Runs view): null shows every run. */
  applyHost(runs: string[] | null): void {
    const want = runs ? new Set(runs) : undefined;
    for (const name of this.store.runs.keys()) this.set(name, want ? want.has(name) : true, false);
  }

  private postVisible(): void {
    this.host.post({ type: 'setVisibleRuns', runs: [...this.store.runs.keys()].filter((r) => !this.hidden.has(r)) });
  }
}
