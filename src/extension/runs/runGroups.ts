// How the Runs view groups runs: runs outside sweeps as rows, each sweep as one row holding its
// runs in the order they were queued. Pure (no vscode), unit-tested.
import type { RunRecord } from '../../shared/runFolder/contract';

/** The part of a run the grouping needs (RunState has it). */
export interface GroupableRun {
  readonly folder: string;
  record: RunRecord;
  sortTime: number;
}

export type RunsTreeNode<R extends GroupableRun = import('./runsManager').RunState> =
  { kind: 'sweep'; folder: string; sweep: string; runs: R[] } | { kind: 'run'; run: R };

/** Runs outside sweeps as rows, each sweep as one row holding its runs (in the order queued). */
export function topLevel<R extends GroupableRun>(runs: R[]): RunsTreeNode<R>[] {
  const out: RunsTreeNode<R>[] = [];
  const sweeps = new Map<string, Extract<RunsTreeNode<R>, { kind: 'sweep' }>>();
  for (const run of runs) {
    const sweep = run.record.sweep;
    if (!sweep) {
      out.push({ kind: 'run', run });
      continue;
    }
    const key = `${run.folder}\0${sweep}`;
    let node = sweeps.get(key);
    if (!node) {
      node = { kind: 'sweep', folder: run.folder, sweep, runs: [] };
      sweeps.set(key, node);
      out.push(node);
    }
    node.runs.push(run);
  }
  for (const s of sweeps.values()) s.runs.sort((a, b) => a.sortTime - b.sortTime || a.record.name.localeCompare(b.record.name));
  return out;
}
