// What the parser cannot check alone, because it needs the model: whether each later phase of a freeze
// schedule names real modules and layers, and whether each train.lrMult entry holds a module at all.
// The first phase (Experiment.freeze) is checked by validateFreeze at the `freeze:` line, as a plain
// freeze is; here each later phase is checked at its own line. Used wherever a plain freeze is
// checked against the model (the Modules view, `transfer-lab modules`).
import { validateFreeze } from '../freeze';
import type { ModelSummary } from '../model/types';
import { parseModuleRange } from './readLr';
import type { Experiment, FileDiagnostic } from './types';
import { nodeAtPath, parseYamlDocument, positionOf } from './yamlPositions';

export function checkFineTuningAgainstModel(
  model: ModelSummary,
  exp: Pick<Experiment, 'freezeSchedule'>,
  text: string,
  file: string,
): FileDiagnostic[] {
  const { doc } = parseYamlDocument(text, file);
  if (!doc) return [];
  const out: FileDiagnostic[] = [];
  const schedule = exp.freezeSchedule;
  if (schedule?.kind === 'schedule') {
    schedule.phases.forEach((phase, i) => {
      if (i === 0) return;
      const at = { file, ...positionOf(doc, ['freeze', 'schedule', i, 'freeze']) };
      out.push(...validateFreeze(model, phase.freeze, at).map((d) => ({ ...d, message: `phase ${i + 1}: ${d.message}` })));
    });
  }
  const n = model.modules.length;
  for (const entry of nodeAtPath(doc.root, ['train', 'lrMult'])?.entries ?? []) {
    const range = parseModuleRange(entry.key);
    if (!range || range.from < n) continue;
    out.push({
      file,
      ...positionOf(doc, ['train', 'lrMult', entry.key], 'key'),
      severity: 'warning',
      message: `train.lrMult '${entry.key}' holds no module: the model has ${n} (model.0–model.${n - 1}), so it changes nothing`,
    });
  }
  return out;
}
