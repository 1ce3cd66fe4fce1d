// What the Modules view renders, as plain data: one row per module with its layers as children.
// Kept free of `vscode` so it can be unit-tested and benchmarked; the tree provider maps
// `checkbox` to TreeItemCheckboxState (VS Code has no third state: a partly frozen module shows
// unchecked with "partial n/m" in its description).
import type { FreezeSchedule, FreezeSpec } from '../../shared/experiment/types';
import { frozenState, freezePrefixes, isLayerFrozen } from '../../shared/freeze';
import type { FrozenState } from '../../shared/freeze';
import type { ModelSummary } from '../../shared/model/types';
import { laterFreezes, moduleLrTexts, type LrTrain } from './lrText';

export interface LayerRow {
  /** Layer name, unique in the model (`model.3.bn`). */
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /** Undefined for layers without parameters: nothing to freeze, no checkbox. */
  checkbox?: 'checked' | 'unchecked';
}

export interface ModuleRow {
  /** Module name (`model.3`). */
  id: string;
  index: number;
  label: string;
  description: string;
  tooltip: string;
  state: FrozenState;
  /** Undefined for modules without parameters. */
  checkbox?: 'checked' | 'unchecked';
  children: LayerRow[];
}

/** 7235389 → "7.24M", 18816 → "18.8K", 512 → "512". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${trim(n / 1e9)}B`;
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}K`;
  return String(n);
}

function trim(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function shapeText(shape: number[] | undefined): string {
  return shape ? shape.join('×') : '';
}

/** `train`: the experiment's training settings; with per-module rates (lrMult, `lr: [min, max]`)
 *  each row's description ends with its multiplier (lrText.ts), for a module frozen first by
 *  `schedule` the one it gets once unfrozen. */
export function treeRows(summary: ModelSummary, spec: FreezeSpec, train?: LrTrain, schedule?: FreezeSchedule): ModuleRow[] {
  const state = frozenState(summary, spec);
  const prefixes = freezePrefixes(spec);
  const lr = moduleLrTexts(
    state,
    train,
    laterFreezes(schedule).map((f) => frozenState(summary, f)),
  );
  return summary.modules.map((m, i) => {
    const st = state.modules[i];
    const children: LayerRow[] = m.layers.map((l) => {
      const count = l.params.reduce((a, p) => a + p.count, 0);
      const short = l.name.startsWith(`${m.name}.`) ? l.name.slice(m.name.length + 1) : l.name;
      const shapes = l.params.map((p) => `${p.name.slice(l.name.length + 1)} ${shapeText(p.shape)}`).join(', ');
      const row: LayerRow = {
        id: l.name,
        label: short,
        description: count ? `${l.type} · ${formatCount(count)}` : `${l.type} · no parameters`,
        tooltip: `${l.name} (${l.type})${shapes ? `\n${shapes}` : ''}`,
      };
      if (l.params.length) row.checkbox = isLayerFrozen(l, prefixes) ? 'checked' : 'unchecked';
      return row;
    });
    const parts = [m.label && m.label !== m.type ? `${m.type}` : undefined, m.params ? `${formatCount(m.params)} params` : 'no parameters'];
    if (m.outShape) parts.push(shapeText(m.outShape));
    if (st.state === 'partial') parts.push(`partial ${st.frozenLayers}/${st.totalLayers}`);
    if (lr[i]) parts.push(lr[i]!.description);
    const row: ModuleRow = {
      id: m.name,
      index: m.index,
      label: `${m.index} ${m.label ?? m.type}`,
      description: parts.filter(Boolean).join(' · '),
      tooltip: `${m.name} ${m.label ?? m.type}${m.section ? ` (${m.section})` : ''}\n${m.params.toLocaleString('en-US')} parameters, ${st.frozenParams.toLocaleString('en-US')} frozen${lr[i] ? `\n${lr[i]!.tooltip}` : ''}`,
      state: st.state,
      children,
    };
    if (st.totalLayers) row.checkbox = st.state === 'frozen' ? 'checked' : 'unchecked';
    return row;
  });
}

/** The view's description, short enough for a default-width sidebar next to the view's title
 *  (about 20 characters): the trainable parameters ("37.3K trainable"), or "all 60.7K trainable"
 *  when nothing is frozen. Which modules are frozen, the checkboxes show. */
export function treeDescription(summary: ModelSummary, spec: FreezeSpec): string {
  const state = frozenState(summary, spec);
  return state.frozenParams === 0 ? `all ${formatCount(state.totalParams)} trainable` : `${formatCount(state.trainableParams)} trainable`;
}
