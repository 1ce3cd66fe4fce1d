// The Modules view: one row per module, its layers as children, a checkbox on each (checked =
// frozen). The extension owns the checkbox state so it always equals what the trainer will
// freeze (shared freeze rules); a toggle becomes an ordinary, undoable edit of `freeze:`.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { treeRows, treeDescription, type ModuleRow, type LayerRow } from './treeRows';
import { toggleFreeze } from '../../shared/freeze';
import type { FreezeSpec } from '../../shared/experiment/types';
import type { LayerInfo, ModelSummary, ModuleInfo } from '../../shared/model/types';
import { ModelStateTracker } from './modelState';
import { writeFreeze, type FreezeChange } from './writeFreeze';
import { markStartup } from '../startupMarks';

type Node = { kind: 'module'; row: ModuleRow } | { kind: 'layer'; row: LayerRow; module: ModuleRow };

export class ModulesTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private rows: ModuleRow[] = [];
  readonly view: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  /** `onChange` hears every change written to the experiment file (the view's undo). */
  constructor(
    private readonly tracker: ModelStateTracker,
    private readonly onChange?: (change: FreezeChange) => void,
  ) {
    this.view = vscode.window.createTreeView('transferLab.modules', {
      treeDataProvider: this,
      manageCheckboxStateManually: true,
      showCollapseAll: true,
    });
    this.disposables.push(
      this.view,
      this._onDidChangeTreeData,
      tracker.onDidChange(() => this.render()),
      this.view.onDidChangeCheckboxState((e) => void this.onCheckboxes(e)),
    );
    this.render();
  }

  /** Rows as rendered, for tests and commands. */
  get moduleRows(): readonly ModuleRow[] {
    return this.rows;
  }

  private render(): void {
    const s = this.tracker.state;
    // Which experiment the view follows, where several could be meant.
    // (VS Code capitalises view titles, so a short name reads better than a file name.)
    this.view.title = s
      ? `Modules: ${s.experiment?.name ?? path.basename(s.uri.fsPath).replace(/(\.experiment)?\.ya?ml$/, '')}`
      : 'Modules';
    if (!s) {
      this.rows = [];
      this.view.message = undefined;
      this.view.description = undefined;
    } else if (s.summary && s.spec !== undefined && s.errors.length === 0) {
      this.rows = treeRows(s.summary, s.spec, s.experiment?.train, s.experiment?.freezeSchedule);
      this.view.description = treeDescription(s.summary, s.spec);
      this.view.message = undefined;
    } else {
      // Never a silent empty tree: say what is wrong and where.
      const first = s.errors[0];
      this.view.message = first
        ? `${vscode.workspace.asRelativePath(first.file)}:${first.line}: ${first.message}${s.errors.length > 1 ? ` (+${s.errors.length - 1} more in the Problems panel)` : ''}`
        : 'The experiment could not be read.';
      this.view.description = undefined;
      // Keep the last good model visible only if the model itself parsed; otherwise clear.
      if (!s.summary) this.rows = [];
    }
    this._onDidChangeTreeData.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const r = node.row;
    const item = new vscode.TreeItem(
      r.label,
      node.kind === 'module' && node.row.children.length > 0
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = r.id;
    item.description = r.description;
    item.tooltip = r.tooltip;
    if (r.checkbox) {
      item.checkboxState = {
        state: r.checkbox === 'checked' ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked,
        tooltip: r.checkbox === 'checked' ? `Unfreeze ${r.id}` : `Freeze ${r.id}`,
        accessibilityInformation: { label: `${r.id} frozen`, role: 'checkbox' },
      };
    }
    if (node.kind === 'module') {
      item.contextValue = `module-${node.row.state}`;
      item.iconPath = new vscode.ThemeIcon(
        node.row.state === 'frozen' ? 'lock' : node.row.state === 'partial' ? 'lock-small' : 'symbol-class',
      );
    } else {
      item.contextValue = 'layer';
      item.iconPath = new vscode.ThemeIcon('symbol-field');
    }
    return item;
  }

  getChildren(node?: Node): Node[] | Promise<Node[]> {
    if (!node) {
      markStartup('rowsAsked');
      const top = (): Node[] => {
        markStartup('rowsGiven');
        return this.rows.map((row) => ({ kind: 'module', row }));
      };
      // The first fetch waits for the first reading of the experiment (milliseconds): rows in one
      // round trip with the window, not an empty tree and a second one.
      return this.tracker.state ? top() : this.tracker.whenSettled().then(top);
    }
    if (node.kind === 'module') return node.row.children.map((row) => ({ kind: 'layer', row, module: node.row }));
    return [];
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'layer' ? { kind: 'module', row: node.module } : undefined;
  }

  private onCheckboxes(e: vscode.TreeCheckboxChangeEvent<Node>): Promise<boolean> {
    return this.toggle(e.items.map(([node, state]) => ({ id: node.row.id, frozen: state === vscode.TreeItemCheckboxState.Checked })));
  }

  /** Freezes or unfreezes modules (`model.3`) or layers (`model.3.bn`) by name, as checkbox clicks do. */
  async toggle(changes: ReadonlyArray<{ id: string; frozen: boolean }>): Promise<boolean> {
    await this.tracker.whenSettled();
    const s = this.tracker.state;
    if (!s?.summary || s.spec === undefined || s.errors.length) {
      void vscode.window.showWarningMessage('Transfer Lab: fix the experiment file first (see the Problems panel); nothing was changed.');
      this.render();
      return false;
    }
    let spec: FreezeSpec = s.spec;
    for (const { id, frozen } of changes) {
      const target = findTarget(s.summary, id);
      if (target) spec = toggleFreeze(s.summary, spec, target, frozen);
    }
    return this.setFreeze(spec);
  }

  /** Writes `freeze:` into the experiment file (undoable editor edit, then saved) and re-renders. */
  async setFreeze(spec: FreezeSpec): Promise<boolean> {
    const s = this.tracker.state;
    if (!s || s.errors.length) {
      void vscode.window.showWarningMessage('Transfer Lab: the experiment file has errors (see the Problems panel); it was not rewritten.');
      return false;
    }
    const ok = await writeFreeze(s.uri, spec, this.onChange);
    await this.tracker.refresh();
    return ok;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function findTarget(summary: ModelSummary, id: string): ModuleInfo | LayerInfo | undefined {
  for (const m of summary.modules) {
    if (m.name === id) return m;
    const layer = m.layers.find((l) => l.name === id);
    if (layer) return layer;
  }
  return undefined;
}
