// How a comparison group (comparability.ts) reads in the panel, the CSV and the CLI: what its runs
// have in common and which run its deltas are against, so the baseline is never implicit. Pure (no
// Node path module: the webview uses it too).
import type { ComparisonGroup } from '../src/shared/panel/comparability';

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** "transfer.experiment.yaml · mnist digits 5,6,7,8,9, 150 labels, 20% validation · sweep s1" */
export function groupTitle(g: Pick<ComparisonGroup, 'experiment' | 'data' | 'sweep'>): string {
  return [baseName(g.experiment), g.data ?? 'data not recorded', g.sweep ? `sweep ${g.sweep}` : 'single runs'].join(' · ');
}

/** "baseline: s1-freeze-0 (nothing frozen)", "baseline: r7 (your choice)", or why there is none. */
export function groupBaselineText(g: Pick<ComparisonGroup, 'baseline' | 'baselineFrom' | 'note'>): string {
  if (g.baseline === undefined) return g.note ?? 'no baseline';
  return `baseline: ${g.baseline} (${g.baselineFrom === 'chosen' ? 'your choice' : 'nothing frozen'})`;
}
