// "Start Freeze Sweep" without arguments: the user picks the freeze values to train from the
// standard choices for this experiment's model (and the experiment's own value), or types custom
// ones, checked as they type with the same parser the sweep uses.
import * as vscode from 'vscode';
import { formatDiagnostics } from '../../shared/experiment/parse';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { hostPython } from '../modules/viewModel';
import type { SweepChoice } from './sweepItems';
import { describeFineTune, FASTAI_FINE_TUNE, fineTuneHeadFreeze } from '../../shared/runs/fineTune';
import { experimentFileUsesYolov5 } from '../../shared/yolov5/experimentTrainer';
import { describeFreeze, FreezeValueError, parseFreezeValues, sameFreeze, standardFreezeChoices } from '../../shared/runs/sweepPlan';

/** The freeze values to train, and the fine_tune run's head-first freeze when the user picked it. */
export async function pickFreezeValues(experiment: Experiment): Promise<SweepChoice | { refused: string }> {
  // The model as this experiment's data shapes it (input size, channels, classes).
  const { summary, diagnostics } = await loadExperimentModel(
    experiment,
    experiment.torchvision ? { python: await hostPython(experiment) } : {},
  );
  if (!summary) {
    const msg = `Cannot start a freeze sweep: ${formatDiagnostics(diagnostics.filter((d) => d.severity === 'error'))}`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
  const moduleCount = summary.modules.length;
  const standard = standardFreezeChoices(summary);
  type Item = vscode.QuickPickItem & { freeze?: FreezeSpec; custom?: boolean; fineTune?: FreezeSpec };
  const items: Item[] = standard.map((c) => ({
    label: describeFreeze(c.freeze),
    description: c.label,
    detail: c.detail,
    picked: true,
    freeze: c.freeze,
  }));
  if (experiment.freeze !== undefined && !standard.some((c) => sameFreeze(c.freeze, experiment.freeze))) {
    items.push({
      label: describeFreeze(experiment.freeze),
      description: 'as in the experiment file',
      picked: false,
      freeze: experiment.freeze,
    });
  }
  // fastai's fine_tune: a schedule, not one freeze value (YOLOv5's train.py has no schedules).
  if (!(await experimentFileUsesYolov5(experiment.file))) {
    const head = fineTuneHeadFreeze(summary);
    items.push({
      label: 'fine_tune schedule',
      description: 'head first, then all with discriminative LR',
      detail: describeFineTune(head, FASTAI_FINE_TUNE),
      picked: false,
      fineTune: head,
    });
  }
  items.push({ label: '$(edit) Custom freeze values…', description: 'type module counts or lists, e.g. 5 [0, 3]', custom: true });
  const chosen = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: 'Start Freeze Sweep',
    placeHolder: 'Freeze values (and schedules) to train, from the same weights, data and seed',
  });
  if (!chosen) return { refused: 'cancelled' };
  const values = chosen.filter((c) => c.freeze !== undefined).map((c) => c.freeze!);
  const fineTune = chosen.find((c) => c.fineTune !== undefined)?.fineTune;
  if (chosen.some((c) => c.custom)) {
    const text = await vscode.window.showInputBox({
      title: 'Custom freeze values',
      prompt:
        'N freezes modules 0…N-1 (YOLOv5 --freeze N); [a, b, …] freezes exactly those modules or layers. Separate values with spaces.',
      placeHolder: moduleCount !== undefined ? `e.g. 3 ${Math.max(1, moduleCount - 2)} [0, 2]` : 'e.g. 3 [0, 2]',
      validateInput: (t) => {
        try {
          parseFreezeValues(t, moduleCount);
          return undefined;
        } catch (e) {
          return e instanceof FreezeValueError ? e.message : String(e);
        }
      },
    });
    if (text === undefined) return { refused: 'cancelled' };
    for (const v of parseFreezeValues(text, moduleCount)) if (!values.some((x) => sameFreeze(x, v))) values.push(v);
  }
  return { values, ...(fineTune !== undefined ? { fineTune } : {}) };
}
