// One run's card in the Predictions section: its confusion matrix (with CSV and PNG export), its
// most confused pairs and its top-loss images; for a YOLOv5 run the plots train.py wrote; or why
// there is nothing to show (no file yet, a file the host could not use, plots YOLOv5 skipped).
import type { ExportFormat, RunInfo } from '../src/shared/panel/contract';
import type { RunPredictionsView } from '../src/shared/panel/predictionsMessage';
import { button } from './controls';
import { confusionPng, confusionTable } from './confusionView';
import { csvLine } from './csv';
import { el } from './dom';
import { confusionCsvRows } from './predictionsModel';
import { gallery, mostConfusedList, topLossTiles } from './predictionsParts';
import type { ThemeColors } from './theme';

export interface CardEnv {
  normalized: boolean;
  theme(): ThemeColors;
  exportFile(format: ExportFormat, what: string, data: string): void;
  open(index: number): void;
  /** Whether the run's top-loss gallery is unfolded, and where its changes go (kept across redraws). */
  lossesOpen: boolean;
  setLossesOpen(open: boolean): void;
}

function yolov5Body(view: Extract<RunPredictionsView, { kind: 'yolov5' }>, status: string): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (const plot of view.plots) {
    const fig = el('figure', 'tl-yolo-plot');
    const img = el('img');
    img.src = plot.src;
    img.alt =
      plot.name === 'confusion_matrix.png'
        ? "YOLOv5's confusion matrix of this run"
        : `YOLOv5's predictions on a validation batch (${plot.name})`;
    fig.append(img, el('figcaption', undefined, plot.name));
    out.push(fig);
  }
  if (view.missing.length) {
    const why =
      status === 'running' || status === 'queued'
        ? 'YOLOv5 writes them when training ends.'
        : 'YOLOv5 skips its plots when train.py runs with --noplots (or it stopped before its final validation).';
    out.push(
      el(
        'p',
        'tl-note',
        `No ${view.missing.join(' or ')} in ${view.dir}: ${why} train.py records no per-image predictions, so there is no heat map or gallery for this run.`,
      ),
    );
  }
  return out;
}

/** The top-loss gallery, folded: the cards' matrices stay side by side until one is opened. */
function losses(tiles: HTMLElement, n: number, env: CardEnv): HTMLElement {
  const box = el('details', 'tl-losses');
  box.open = env.lossesOpen;
  box.addEventListener('toggle', () => env.setLossesOpen(box.open));
  box.append(el('summary', undefined, `Top ${n} losses (highest first)`), tiles);
  return box;
}

export function predictionsCard(info: RunInfo, view: RunPredictionsView | undefined, env: CardEnv): HTMLElement {
  const name = info.record.name;
  const card = el('article', 'tl-prediction-card');
  card.setAttribute('aria-label', `Predictions of run ${name}`);
  const header = el('header');
  const sw = el('span', 'tl-swatch');
  sw.setAttribute('aria-hidden', 'true');
  sw.style.backgroundColor = info.color;
  const title = el('h3');
  title.append(sw, document.createTextNode(name));
  header.append(title);
  card.append(header);
  if (!view) {
    card.append(el('p', 'tl-note', 'Reading…'));
    return card;
  }
  switch (view.kind) {
    case 'missing':
      card.append(
        el('p', 'tl-note', `No predictions yet: the trainer writes ${view.looked.join(' or ')} after the run's best epoch and at its end.`),
      );
      return card;
    case 'problem': {
      const p = el('p', 'tl-load-error', view.message);
      p.setAttribute('role', 'alert');
      card.append(p);
      return card;
    }
    case 'yolov5':
      card.append(...yolov5Body(view, info.record.status));
      return card;
    case 'predictions':
      break;
  }
  const p = view.predictions;
  const what = `confusion-${name}`;
  const caption = `${name}: epoch ${p.epoch} (${p.weights} weights), ${p.truth.length} validation images, ${env.normalized ? 'share of each true class' : 'image counts'}`;
  header.append(
    el('span', 'tl-note', `epoch ${p.epoch}, ${p.weights} weights`),
    button('CSV', () => env.exportFile('csv', what, confusionCsvRows(p).map(csvLine).join('\r\n') + '\r\n'), {
      secondary: true,
      ariaLabel: `Export the confusion matrix of ${name} as CSV`,
    }),
    button('PNG', () => env.exportFile('png', what, confusionPng(p, env.normalized, caption, env.theme())), {
      secondary: true,
      ariaLabel: `Export the confusion matrix of ${name} as PNG`,
    }),
  );
  card.append(
    confusionTable(p, env.normalized, caption),
    el('h4', undefined, 'Most confused'),
    mostConfusedList(p),
    losses(gallery(topLossTiles(p, env.open)), p.topLosses.length, env),
  );
  return card;
}
