// Pretrained weights into a model: matched by layer and weight name and by shape. Mismatches are
// reported by name; the classifier head is replaced (kept freshly initialised) when the classes
// differ — in count, or by name when the checkpoint records them (digits 0–4 → 5–9 is a new task
// even with five classes each) — as when YOLOv5 fine-tunes a COCO model on other classes.
import * as tf from '@tensorflow/tfjs';
import { fromTfName, paramNameOfWeight } from './layerNames';
import { readNamedWeights, resolveModelJson, sha256OfModelFiles, TransferLabMetadata } from './modelFiles';

export interface PretrainedReport {
  file: string;
  sha256: string;
  loaded: number;
  /** Weights in the model that the file does not have. */
  missing: string[];
  /** Same name, other shape (not loaded). */
  mismatched: Array<{ name: string; model: number[]; file: number[] }>;
  /** Weights in the file the model has no place for. */
  unused: string[];
  /** The classifier layer kept new because the classes differ. */
  headReplaced?: { layer: string; fileClasses: number; classes: number; reason: 'count' | 'names' };
  metadata?: TransferLabMetadata;
}

function weightKey(originalName: string): string {
  return originalName.replace(/_\d+$/, '');
}

/** The last layer with weights: the classifier head. */
export function headLayer(model: tf.LayersModel): tf.layers.Layer | undefined {
  for (let i = model.layers.length - 1; i >= 0; i--) if (model.layers[i].weights.length > 0) return model.layers[i];
  return undefined;
}

/** Loads `weightsPath` (a model.json or a folder with one) into `model`. With `classes` (the
 *  data's class names in label order), a checkpoint trained on other classes keeps a new head. */
export function loadPretrained(model: tf.LayersModel, weightsPath: string, classes?: readonly string[]): PretrainedReport {
  const file = resolveModelJson(weightsPath);
  const { weights, metadata } = readNamedWeights(file);
  const report: PretrainedReport = { file, sha256: sha256OfModelFiles(file), loaded: 0, missing: [], mismatched: [], unused: [], metadata };
  const used = new Set<string>();
  const head = headLayer(model);
  const fileClasses = metadata?.classes;
  const otherClasses = !!classes && !!fileClasses && fileClasses.length === classes.length && fileClasses.some((c, i) => c !== classes[i]);
  try {
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const key = weightKey(w.originalName);
        const t = weights[key];
        if (!t) {
          report.missing.push(paramNameOfWeight(key));
          continue;
        }
        used.add(key);
        const want = w.shape as number[];
        if (layer === head && otherClasses) {
          report.headReplaced = {
            layer: fromTfName(layer.name),
            fileClasses: fileClasses.length,
            classes: classes.length,
            reason: 'names',
          };
          continue;
        }
        if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
          const isHeadOutput = layer === head && want[want.length - 1] !== t.shape[t.shape.length - 1];
          if (isHeadOutput) {
            report.headReplaced = {
              layer: fromTfName(layer.name),
              fileClasses: t.shape[t.shape.length - 1],
              classes: want[want.length - 1],
              reason: 'count',
            };
          } else {
            report.mismatched.push({ name: paramNameOfWeight(key), model: want, file: t.shape });
          }
          continue;
        }
        w.write(t.clone());
        report.loaded++;
      }
    }
    report.unused = Object.keys(weights)
      .filter((k) => !used.has(k))
      .map(paramNameOfWeight);
  } finally {
    for (const t of Object.values(weights)) t.dispose();
  }
  return report;
}

/** Log lines for a report: what loaded, what did not and why. */
export function describePretrained(r: PretrainedReport): { info: string[]; warn: string[] } {
  const info = [`pretrained weights ${r.file} (sha256 ${r.sha256.slice(0, 12)}…): ${r.loaded} tensors loaded`];
  const warn: string[] = [];
  if (r.headReplaced) {
    const h = r.headReplaced;
    info.push(
      h.reason === 'names'
        ? `classifier head ${h.layer} replaced: the weights were trained on classes ${r.metadata?.classes.join(', ')}, this data has others (trains from scratch)`
        : `classifier head ${h.layer} replaced: ${h.fileClasses} → ${h.classes} classes (trains from scratch)`,
    );
  }
  for (const m of r.mismatched)
    warn.push(`pretrained ${m.name} has shape [${m.file.join(', ')}], the model needs [${m.model.join(', ')}]: left untrained`);
  if (r.missing.length > 0) warn.push(`pretrained file has no weights for ${r.missing.join(', ')}: left untrained`);
  if (r.unused.length > 0) warn.push(`pretrained weights not used by this model: ${r.unused.join(', ')}`);
  return { info, warn };
}
