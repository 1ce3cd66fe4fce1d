// The one message contract between the comparison panel's host (src/extension/panel) and its webview
// (webview/). Both sides import these types and validate what they receive at run time.
//
// Flow: the webview posts `ready` once its script runs; the host answers with `init` (everything
// it has), then only increments: `appendEpochs` for new epoch lines, `runUpdated` when a run's
// record changes (with `series` when its metrics restarted or it is new), `removeRun`,
// `visibleRuns` when the selection in the Runs view changes, `theme`, and `lrFind` (after init too,
// when the host holds one) for the LR finder's chart. A hidden panel loses its
// webview (no retainContextWhenHidden); when shown again it posts `ready` and gets a fresh `init`.
import { lrFindResultProblem, type LrFindResult } from '../lrFind/contract';
import type { EpochMetrics, RunRecord } from '../runFolder/contract';
import { epochMetricsProblem, isObject, runRecordProblem } from '../runFolder/shapes';
import { seriesColumnsProblem } from './shapes';
import { runPredictionsViewProblem, type RunPredictionsView } from './predictionsMessage';
import type { SeriesColumns } from './series';

export interface RunInfo {
  record: RunRecord;
  /** Absolute path of the run folder. */
  dir: string;
  /** The run's colour in every view (see palette.ts). */
  color: string;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface SummarySettings {
  /** The user's baseline (the webview posts `setBaseline`): it serves every group of runs comparable
   *  with it (comparability.ts); absent: each group's own nothing-frozen run. */
  baseline?: string;
}

export type HostMessage =
  | {
      type: 'init';
      runs: RunInfo[];
      /** Columns per run name; every run in `runs` has an entry. */
      series: Record<string, SeriesColumns>;
      summary: SummarySettings;
      /** Runs to show; absent: all (or what the user last chose in the panel). */
      visibleRuns?: string[];
      theme: ThemeKind;
    }
  | { type: 'appendEpochs'; run: string; epochs: EpochMetrics[] }
  | { type: 'runUpdated'; run: RunInfo; series?: SeriesColumns }
  | { type: 'removeRun'; run: string }
  | { type: 'visibleRuns'; runs: string[] | null }
  | { type: 'theme'; kind: ThemeKind }
  /** Answers `requestPredictions`, and again whenever that run's predictions files change. */
  | { type: 'predictions'; run: string; view: RunPredictionsView }

  /** The LR finder's latest result, charted as loss against learning rate. */
  | { type: 'lrFind'; result: LrFindResult };

export type ExportFormat = 'csv' | 'png' | 'svg';

export type WebviewMessage =
  | { type: 'ready' }
  /** Posted after the webview applied messages and drew: what it now shows (diagnostics, tests). */
  | { type: 'rendered'; runs: string[]; charts: string[]; summaryRows: number; points: number }
  | { type: 'setVisibleRuns'; runs: string[] }
  | { type: 'setBaseline'; run: string | null }
  /** `what` names the content ("summary", "series", "chart-accuracy"); `data` is the file's text,
   *  or for png a `data:image/png;base64,` URL. */
  | { type: 'export'; format: ExportFormat; what: string; data: string }
  | { type: 'openRun'; run: string }
  /** The runs whose predictions the page shows now (the host sends each, then its changes). */
  | { type: 'requestPredictions'; runs: string[] }
  /** Open validation image `index` of `run` (the host resolves it from the run's own files). */
  | { type: 'openPredictionImage'; run: string; index: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

const THEMES: readonly ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const FORMATS: readonly ExportFormat[] = ['csv', 'png', 'svg'];

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'string');
}

function runInfoProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not an object';
  if (typeof x.dir !== 'string') return 'has no "dir"';
  if (typeof x.color !== 'string') return 'has no "color"';
  const p = runRecordProblem(x.record);
  return p ? `record ${p}` : undefined;
}

/** Why `x` is not a HostMessage, or undefined when it is one. */
export function hostMessageProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'message is not an object';
  switch (x.type) {
    case 'init': {
      if (!Array.isArray(x.runs)) return 'init: "runs" is not an array';
      if (!isObject(x.series)) return 'init: "series" is not an object';
      for (let i = 0; i < x.runs.length; i++) {
        const p = runInfoProblem(x.runs[i]);
        if (p) return `init: runs[${i}] ${p}`;
        const name = (x.runs[i] as RunInfo).record.name;
        const s = seriesColumnsProblem(x.series[name]);
        if (s) return `init: series of run "${name}" ${s}`;
      }
      if (!isObject(x.summary)) return 'init: "summary" is not an object';
      if (x.summary.baseline !== undefined && typeof x.summary.baseline !== 'string') return 'init: "summary.baseline" is not a string';
      if (x.visibleRuns !== undefined && !isStringArray(x.visibleRuns)) return 'init: "visibleRuns" is not a list of run names';
      if (!THEMES.includes(x.theme as ThemeKind)) return `init: "theme" is ${JSON.stringify(x.theme)}`;
      return undefined;
    }
    case 'appendEpochs': {
      if (typeof x.run !== 'string') return 'appendEpochs: "run" is not a string';
      if (!Array.isArray(x.epochs)) return 'appendEpochs: "epochs" is not an array';
      for (let i = 0; i < x.epochs.length; i++) {
        const p = epochMetricsProblem(x.epochs[i]);
        if (p) return `appendEpochs: epochs[${i}] ${p}`;
      }
      return undefined;
    }
    case 'runUpdated': {
      const p = runInfoProblem(x.run);
      if (p) return `runUpdated: run ${p}`;
      if (x.series !== undefined) {
        const s = seriesColumnsProblem(x.series);
        if (s) return `runUpdated: series ${s}`;
      }
      return undefined;
    }
    case 'removeRun':
      return typeof x.run === 'string' ? undefined : 'removeRun: "run" is not a string';
    case 'visibleRuns':
      return x.runs === null || isStringArray(x.runs) ? undefined : 'visibleRuns: "runs" is not null or a list of run names';
    case 'theme':
      return THEMES.includes(x.kind as ThemeKind) ? undefined : `theme: "kind" is ${JSON.stringify(x.kind)}`;
    case 'predictions': {
      if (typeof x.run !== 'string') return 'predictions: "run" is not a string';
      const p = runPredictionsViewProblem(x.view);
      return p ? `predictions: view of run "${x.run}" ${p}` : undefined;
    }
    case 'lrFind': {
      const p = lrFindResultProblem(x.result);
      return p ? `lrFind: result ${p}` : undefined;
    }
    default:
      return `unknown message type ${JSON.stringify(x.type)}`;
  }
}

/** Why `x` is not a WebviewMessage, or undefined when it is one. */
export function webviewMessageProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'message is not an object';
  switch (x.type) {
    case 'ready':
      return undefined;
    case 'rendered':
      return isStringArray(x.runs) && isStringArray(x.charts) && typeof x.summaryRows === 'number' && typeof x.points === 'number'
        ? undefined
        : 'rendered: expected runs, charts (string lists), summaryRows and points (numbers)';
    case 'setVisibleRuns':
      return isStringArray(x.runs) ? undefined : 'setVisibleRuns: "runs" is not a list of run names';
    case 'setBaseline':
      return x.run === null || typeof x.run === 'string' ? undefined : 'setBaseline: "run" is not a string or null';
    case 'export':
      if (!FORMATS.includes(x.format as ExportFormat)) return `export: "format" is ${JSON.stringify(x.format)}, expected csv, png or svg`;
      if (typeof x.what !== 'string' || x.what === '') return 'export: "what" is not a name';
      if (typeof x.data !== 'string') return 'export: "data" is not a string';
      if (x.format === 'png' && !x.data.startsWith('data:image/png;base64,'))
        return 'export: png "data" is not a data:image/png;base64 URL';
      return undefined;
    case 'openRun':
      return typeof x.run === 'string' ? undefined : 'openRun: "run" is not a string';
    case 'requestPredictions':
      return isStringArray(x.runs) ? undefined : 'requestPredictions: "runs" is not a list of run names';
    case 'openPredictionImage':
      return typeof x.run === 'string' && Number.isInteger(x.index) && (x.index as number) >= 0
        ? undefined
        : 'openPredictionImage: expected a run name and a whole-number index';
    case 'log':
      return (x.level === 'info' || x.level === 'warn' || x.level === 'error') && typeof x.message === 'string'
        ? undefined
        : 'log: expected level info|warn|error and a message';
    default:
      return `unknown message type ${JSON.stringify(x.type)}`;
  }
}

export function isHostMessage(x: unknown): x is HostMessage {
  return hostMessageProblem(x) === undefined;
}

export function isWebviewMessage(x: unknown): x is WebviewMessage {
  return webviewMessageProblem(x) === undefined;
}
