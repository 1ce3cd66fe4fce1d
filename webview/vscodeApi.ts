// The webview's side of VS Code: posting typed messages and keeping UI state across reloads
// (the panel is not retained when hidden, so its state lives in getState/setState).
import type { ChartId } from './charts';
import type { WebviewMessage } from '../src/shared/panel/contract';
import type { XAxisMode } from '../src/shared/panel/series';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface UiState {
  smoothing: number;
  xAxis: XAxisMode;
  logScale: boolean;
  hiddenCharts: ChartId[];
  hiddenRuns: string[];
  /** The user's baseline; undefined: the default. */
  baseline?: string;
}

export const DEFAULT_STATE: UiState = { smoothing: 0, xAxis: 'epoch', logScale: false, hiddenCharts: [], hiddenRuns: [] };

function restore(raw: unknown): UiState {
  const s = { ...DEFAULT_STATE };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.smoothing === 'number' && r.smoothing >= 0 && r.smoothing < 1) s.smoothing = r.smoothing;
  if (r.xAxis === 'epoch' || r.xAxis === 'wall' || r.xAxis === 'relative') s.xAxis = r.xAxis;
  if (typeof r.logScale === 'boolean') s.logScale = r.logScale;
  if (Array.isArray(r.hiddenCharts)) s.hiddenCharts = r.hiddenCharts.filter((x): x is ChartId => typeof x === 'string');
  if (Array.isArray(r.hiddenRuns)) s.hiddenRuns = r.hiddenRuns.filter((x): x is string => typeof x === 'string');
  if (typeof r.baseline === 'string') s.baseline = r.baseline;
  return s;
}

export class Host {
  private readonly api = acquireVsCodeApi();
  state: UiState = restore(this.api.getState());

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  save(patch: Partial<UiState>): void {
    this.state = { ...this.state, ...patch };
    this.api.setState(this.state);
  }
}
