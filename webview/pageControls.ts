// The controls above the charts: which runs (All / None and the run checkboxes), the view settings
// (smoothing, x axis, log scale) and which charts are shown. Values start from the saved UI state;
// changes go to the page's callbacks, which save them and redraw.
import type { ChartDef, ChartId } from './charts';
import { button, checkbox, dropdown, slider } from './controls';
import { el } from './dom';
import type { XAxisMode } from '../src/shared/panel/series';
import { MAX_SMOOTHING } from './smoothing';
import type { UiState } from './vscodeApi';

export type ViewSettings = Pick<UiState, 'smoothing' | 'xAxis' | 'logScale'>;

export interface PageControlsEnv {
  state: UiState;
  /** The run checkboxes (RunVisibility's box). */
  runsBox: HTMLElement;
  charts: readonly ChartDef[];
  setAllVisible(show: boolean): void;
  setSetting(patch: Partial<ViewSettings>): void;
  setChartShown(id: ChartId, shown: boolean): void;
}

export function buildControls(env: PageControlsEnv): HTMLElement {
  const s = env.state;
  const controls = el('div', 'tl-controls');

  const runsGroup = el('fieldset', 'tl-group tl-runs');
  runsGroup.append(el('legend', undefined, 'Runs'));
  const allNone = el('span', 'tl-inline');
  allNone.append(
    button('All', () => env.setAllVisible(true), { secondary: true, ariaLabel: 'Show all runs' }),
    button('None', () => env.setAllVisible(false), { secondary: true, ariaLabel: 'Hide all runs' }),
  );
  runsGroup.append(allNone, env.runsBox);

  const view = el('fieldset', 'tl-group');
  view.append(el('legend', undefined, 'View'));
  view.append(
    slider(
      'Smoothing',
      0,
      0.99,
      0.01,
      s.smoothing,
      (v) => env.setSetting({ smoothing: Math.min(v, MAX_SMOOTHING) }),
      (v) => (v === 0 ? 'off' : v.toFixed(2)),
    ).el,
    dropdown(
      'X axis',
      [
        { value: 'epoch', label: 'Epoch' },
        { value: 'wall', label: 'Wall time' },
        { value: 'relative', label: 'Relative time' },
      ],
      s.xAxis,
      (v) => env.setSetting({ xAxis: v as XAxisMode }),
    ).el,
    checkbox('Log scale', s.logScale, (v) => env.setSetting({ logScale: v })).el,
  );

  const chartsGroup = el('fieldset', 'tl-group');
  chartsGroup.append(el('legend', undefined, 'Charts'));
  for (const def of env.charts) {
    const shown = !s.hiddenCharts.includes(def.id);
    chartsGroup.append(checkbox(def.title.replace(/ \(.*\)$/, ''), shown, (v) => env.setChartShown(def.id, v)).el);
  }

  controls.append(runsGroup, view, chartsGroup);
  return controls;
}
