// `transfer-lab modules <experiment.yaml> [--freeze SPEC] [--json]`: the model's modules with
// parameter counts and frozen state, from the same parser and freeze rules as the Modules view.
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';
import type { Experiment, FileDiagnostic, FreezeSpec } from '../../shared/experiment/types';
import { freezeLineOf, frozenState, validateFreeze } from '../../shared/freeze';
import { checkFineTuningAgainstModel } from '../../shared/experiment/fineTuneModelCheck';
import type { FreezeLocation } from '../../shared/freeze';
import { estimateCost } from '../cost/estimateCost';
import type { CostReport } from '../cost/estimateCost';
import { formatCostLines } from '../cost/formatCost';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { usesYolov5 } from '../../shared/yolov5/settings';
import { YOLOV5_NO_PREFIX_CACHE } from '../../shared/yolov5/modelInput';
import { unlessMissing } from '../../shared/system/missingFile';

export interface ModulesReportRow {
  index: number;
  name: string;
  type: string;
  /** Block or layer name for tfjs models. */
  label?: string;
  params: number;
  frozen: 'yes' | 'no' | 'partial';
  outShape?: number[];
}

export interface ModulesReport {
  model: string;
  freeze: FreezeSpec;
  modules: ModulesReportRow[];
  trainable: number;
  total: number;
  /** Predicted cost of a training step for this freeze spec (per image, at the experiment's batch size). */
  cost?: CostReport;
  diagnostics: FileDiagnostic[];
}

export async function modulesReport(exp: Experiment, spec?: FreezeSpec): Promise<ModulesReport> {
  const freeze = spec ?? exp.freeze;
  const { summary, diagnostics } = await loadExperimentModel(exp);
  const report: ModulesReport = { model: exp.model, freeze, modules: [], trainable: 0, total: 0, diagnostics: [...diagnostics] };
  if (!summary) return report;

  const text = spec === undefined ? await unlessMissing(readFile(exp.file, 'utf8'), undefined) : undefined;
  const at: FreezeLocation = spec === undefined ? freezeLocation(exp.file, text) : { file: '--freeze', line: 1, column: 1 };
  report.diagnostics.push(...validateFreeze(summary, freeze, at));
  // Later freeze-schedule phases and lrMult entries, at their own lines.
  if (text !== undefined) report.diagnostics.push(...checkFineTuningAgainstModel(summary, exp, text, exp.file));
  const state = frozenState(summary, freeze);
  report.modules = summary.modules.map((m, i) => {
    const st = state.modules[i].state;
    const row: ModulesReportRow = {
      index: m.index,
      name: m.name,
      type: m.type,
      params: m.params,
      frozen: st === 'frozen' ? 'yes' : st === 'partial' ? 'partial' : 'no',
    };
    if (m.label) row.label = m.label;
    if (m.outShape) row.outShape = m.outShape;
    return row;
  });
  report.trainable = state.trainableParams;
  report.total = state.totalParams;
  // The cost model is fitted to the tfjs engines' kernels; a torchvision model trains on PyTorch only.
  if (summary.kind !== 'torchvision')
    report.cost = estimateCost(summary, freeze, exp.train.batch, usesYolov5(exp) ? { noPrefixCache: YOLOV5_NO_PREFIX_CACHE } : {});
  return report;
}

/** Where `freeze:` is, for the diagnostics; line 1 when the experiment, parsed a moment ago, has
 *  been deleted since (`text` undefined). Any other read failure is the command's error, with its message. */
function freezeLocation(file: string, text: string | undefined): FreezeLocation {
  return text === undefined ? { file, line: 1, column: 1 } : freezeLineOf(text, file);
}

/** Aligned text table with a totals line, then any diagnostics. */
export function formatModulesTable(report: ModulesReport): string {
  const header = ['#', 'module', 'type', 'params', 'frozen', 'output'];
  const rows = report.modules.map((m) => [
    String(m.index),
    m.name,
    m.label && m.label !== m.type ? `${m.label} (${m.type})` : m.type,
    m.params.toLocaleString('en-US'),
    m.frozen,
    m.outShape ? m.outShape.join('x') : '',
  ]);
  const numeric = [true, false, false, true, false, false];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (report.modules.length) {
    const frozen = report.total - report.trainable;
    const pct = report.total ? ((100 * frozen) / report.total).toFixed(1) : '0.0';
    out.push('');
    out.push(`freeze: ${JSON.stringify(report.freeze)}`);
    out.push(
      `trainable: ${report.trainable.toLocaleString('en-US')} of ${report.total.toLocaleString('en-US')} parameters (${pct}% frozen)`,
    );
    if (report.cost) out.push(...formatCostLines(report.cost));
  }
  for (const d of report.diagnostics) {
    const where = d.file.startsWith('--') ? d.file : `${d.file}:${d.line}:${d.column}`;
    out.push(`${where}: ${d.severity}: ${d.message}`);
  }
  return out.join('\n');
}

/** `--freeze` values: "10", "0,1,2", "[0, 'model.3.bn']", "model.3.bn". Throws with a usage hint. */
export function parseFreezeArg(s: string): FreezeSpec {
  const usage = 'use a count (--freeze 10), indices (--freeze 0,1,2) or a list with names (--freeze "[0, \'model.3.bn\']")';
  const text = s.trim();
  if (!text) throw new Error(`--freeze needs a value: ${usage}`);
  if (/^\d+$/.test(text)) return Number(text);
  let items: unknown[];
  if (text.startsWith('[')) {
    let v: unknown;
    try {
      v = load(text);
    } catch (e) {
      throw new Error(`--freeze ${s}: not a valid list (${(e as Error).message.split('\n')[0]}); ${usage}`);
    }
    if (!Array.isArray(v)) throw new Error(`--freeze ${s}: not a list; ${usage}`);
    items = v;
  } else {
    items = text
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length)
      .map((x) => (/^-?\d+$/.test(x) ? Number(x) : x.replace(/^['"]|['"]$/g, '')));
  }
  return items.map((x) => {
    if (typeof x === 'number' && Number.isInteger(x) && x >= 0) return x;
    if (typeof x === 'string' && x.trim() && !/\s/.test(x.trim())) return x.trim();
    throw new Error(`--freeze ${s}: ${JSON.stringify(x)} is neither a module index ≥ 0 nor a name like model.3.bn; ${usage}`);
  });
}
