// The Runs view: one row per run (status icon, best accuracy, progress, freeze, engine and device),
// the runs of a sweep under the sweep's row, and a checkbox per row choosing what the comparison
// panel shows. The extension owns checkbox state (a sweep's box checks all its runs).
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunState, RunsManager } from './runsManager';
import { topLevel, type RunsTreeNode } from './runGroups';
import { bestAccuracy, formatAccuracy, progressText, rowDescription, STATUS_ICON } from './runRowText';
import { describeFreeze } from '../../shared/runs/sweepPlan';
import type { RunSwatches } from './runSwatches';
import type { RunsFeed, RunsTick } from './runsFeed';

export type { RunsTreeNode } from './runGroups';

type RunNode = Extract<RunsTreeNode, { kind: 'run' }>;
type SweepNode = Extract<RunsTreeNode, { kind: 'sweep' }>;

export class RunsTree implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<RunsTreeNode | RunsTreeNode[] | undefined>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  readonly view: vscode.TreeView<RunsTreeNode>;
  private readonly disposables: vscode.Disposable[] = [];
  // One node object per run and per sweep, so a tick can redraw just the rows that changed (VS Code
  // knows a tree's elements by identity): one message, where redrawing the whole tree costs a
  // round trip per level and fell behind the status bar on a busy machine.
  private readonly runNodes = new Map<string, RunNode>();
  private readonly sweepNodes = new Map<string, SweepNode>();
  /** The status each run's row was last drawn with: when it changes, its sweep's row counts it. */
  private readonly drawnStatus = new Map<string, string>();

  private swatchReady = false;

  constructor(
    private readonly manager: RunsManager,
    private readonly feed: RunsFeed,
    private readonly swatches?: RunSwatches,
  ) {
    this.view = vscode.window.createTreeView('transferLab.runs', {
      treeDataProvider: this,
      manageCheckboxStateManually: true,
      showCollapseAll: true,
      canSelectMany: true,
    });
    this.disposables.push(
      this.view,
      this._onDidChangeTreeData,
      this.view.onDidChangeCheckboxState((e) => void this.onCheckboxes(e)),
      feed.onDidTick((tick) => this.draw(tick)),
      manager.onDidChangeChecked(() => feed.changedAll()),
    );
    this.updateDescription();
    void this.swatches?.prepare().then(
      () => {
        this.swatchReady = true;
        feed.changedAll();
      },
      () => undefined, // no storage folder: status icons only
    );
  }

  /** Redraws every row at the next tick. */
  refresh(): void {
    this.feed.changedAll();
  }

  /** The node VS Code knows a run's row by (for reveal). */
  nodeOf(run: RunState): RunsTreeNode {
    return this.runNode(run);
  }

  private draw(tick: RunsTick): void {
    this.updateDescription();
    if (tick.all) {
      this._onDidChangeTreeData.fire(undefined);
      return;
    }
    const nodes = new Set<RunsTreeNode>();
    for (const run of tick.runs) {
      const node = this.runNodes.get(run.dir);
      if (node?.run !== run) {
        // A row VS Code has not fetched (a new run, a collapsed sweep, a hidden view): redraw all.
        this._onDidChangeTreeData.fire(undefined);
        return;
      }
      const sweep =
        run.record.sweep !== undefined && this.drawnStatus.get(run.dir) !== run.record.status
          ? this.sweepNodes.get(sweepKey(run.folder, run.record.sweep))
          : undefined;
      nodes.add(sweep ?? node);
    }
    if (nodes.size > 0) this._onDidChangeTreeData.fire([...nodes]);
  }

  private updateDescription(): void {
    const runs = this.manager.list();
    const description = runs.length > 0 ? `${runs.filter((r) => this.manager.isChecked(r)).length}/${runs.length} selected` : undefined;
    if (description !== this.view.description) this.view.description = description;
  }

  private async onCheckboxes(e: vscode.TreeCheckboxChangeEvent<RunsTreeNode>): Promise<void> {
    for (const [node, state] of e.items) {
      const checked = state === vscode.TreeItemCheckboxState.Checked;
      await this.manager.setChecked(node.kind === 'sweep' ? node.runs : [node.run], checked);
    }
  }

  getChildren(node?: RunsTreeNode): RunsTreeNode[] {
    if (node?.kind === 'sweep') return node.runs.map((run) => this.runNode(run));
    if (node) return [];
    const runs = this.manager.list();
    const top = topLevel(runs).map((n) => (n.kind === 'run' ? this.runNode(n.run) : this.sweepNode(n)));
    // Forget rows that are gone.
    const liveRuns = new Set(runs.map((r) => r.dir));
    for (const dir of this.runNodes.keys()) {
      if (liveRuns.has(dir)) continue;
      this.runNodes.delete(dir);
      this.drawnStatus.delete(dir);
    }
    const liveSweeps = new Set(top.filter((n): n is SweepNode => n.kind === 'sweep').map((n) => sweepKey(n.folder, n.sweep)));
    for (const key of this.sweepNodes.keys()) if (!liveSweeps.has(key)) this.sweepNodes.delete(key);
    return top;
  }

  getParent(node: RunsTreeNode): RunsTreeNode | undefined {
    if (node.kind === 'sweep' || !node.run.record.sweep) return undefined;
    const sweep = topLevel(this.manager.list()).find(
      (n): n is SweepNode => n.kind === 'sweep' && n.sweep === node.run.record.sweep && n.folder === node.run.folder,
    );
    return sweep && this.sweepNode(sweep);
  }

  private runNode(run: RunState): RunNode {
    let node = this.runNodes.get(run.dir);
    if (node?.run !== run) {
      node = { kind: 'run', run };
      this.runNodes.set(run.dir, node);
    }
    return node;
  }

  /** The cached node of a sweep, holding the runs it has now. */
  private sweepNode(fresh: SweepNode): SweepNode {
    const key = sweepKey(fresh.folder, fresh.sweep);
    const node = this.sweepNodes.get(key) ?? fresh;
    node.runs = fresh.runs;
    this.sweepNodes.set(key, node);
    return node;
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    return node.kind === 'sweep' ? this.sweepItem(node) : this.runItem(node.run);
  }

  private sweepItem(node: Extract<RunsTreeNode, { kind: 'sweep' }>): vscode.TreeItem {
    const item = new vscode.TreeItem(node.sweep, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `sweep:${node.folder}:${node.sweep}`;
    const counts = new Map<string, number>();
    for (const r of node.runs) counts.set(r.record.status, (counts.get(r.record.status) ?? 0) + 1);
    item.description = `${node.runs.length} runs: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
    item.iconPath = new vscode.ThemeIcon(node.runs.some((r) => r.record.status === 'running') ? 'sync~spin' : 'run-all');
    item.contextValue = 'sweep';
    item.tooltip = `Freeze sweep ${node.sweep}: ${node.runs.map((r) => describeFreeze(r.record.freeze)).join(', ')}`;
    item.checkboxState = node.runs.every((r) => this.manager.isChecked(r))
      ? vscode.TreeItemCheckboxState.Checked
      : vscode.TreeItemCheckboxState.Unchecked;
    return item;
  }

  private runItem(run: RunState): vscode.TreeItem {
    this.drawnStatus.set(run.dir, run.record.status);
    // Under its sweep's row a run is told apart by its freeze value; its full name is in the
    // tooltip and the accessible label.
    const inSweep = run.record.sweep !== undefined && run.record.name.startsWith(`${run.record.sweep}-`);
    const item = new vscode.TreeItem(inSweep ? describeFreeze(run.record.freeze) : run.record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.dir}`;
    item.description = rowDescription(run, { showFreeze: !inSweep });
    item.accessibilityInformation = { label: `${run.record.name}, ${rowDescription(run)}` };
    const icon = STATUS_ICON[run.record.status];
    // A finished or stopped run shows its comparison colour (the status is in the description);
    // running, queued and failed runs keep their status icon.
    const swatch =
      this.swatchReady && (run.record.status === 'finished' || run.record.status === 'stopped') && !run.stopping
        ? this.swatches?.icons(this.manager.list().map((r) => r.record.name)).get(run.record.name)
        : undefined;
    item.iconPath =
      swatch ?? new vscode.ThemeIcon(run.stopping ? 'loading~spin' : icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.contextValue = `run-${run.record.status}`;
    item.tooltip = runTooltip(run);
    item.checkboxState = {
      state: this.manager.isChecked(run) ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked,
      tooltip: 'Show this run in the comparison panel',
    };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function sweepKey(folder: string, sweep: string): string {
  return `${folder}\0${sweep}`;
}

function runTooltip(run: RunState): vscode.MarkdownString {
  const r = run.record;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(r.name)}** — ${escape(progressText(run))}\n\n`);
  if (r.status === 'failed' && r.error) md.appendCodeblock(r.error, 'text');
  else if (r.error) md.appendMarkdown(`${escape(r.error)}\n\n`);
  if (run.problem) md.appendCodeblock(run.problem, 'text');
  const rows: [string, string | undefined][] = [
    ['freeze', describeFreeze(r.freeze).replace(/^freeze /, '')],
    ['engine', r.engine],
    ['device', r.device],
    [
      'best val/accuracy',
      (() => {
        const b = bestAccuracy(run);
        return b === undefined ? undefined : formatAccuracy(b);
      })(),
    ],
    [
      'trainable parameters',
      r.trainableParams !== undefined && r.totalParams !== undefined
        ? `${r.trainableParams.toLocaleString('en-US')} of ${r.totalParams.toLocaleString('en-US')}`
        : undefined,
    ],
    ['sweep', r.sweep],
    ['experiment', r.experiment ? path.basename(r.experiment) : undefined],
    ['started', r.startedAt],
    ['ended', r.endedAt],
    ['process', r.pid !== undefined && (r.status === 'running' || r.status === 'queued') ? String(r.pid) : undefined],
    ['folder', run.dir],
  ];
  for (const [k, v] of rows) if (v !== undefined) md.appendMarkdown(`${k}: ${escape(v)}  \n`);
  return md;
}

function escape(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}
