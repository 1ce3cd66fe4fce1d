// YOLOv5-style architecture YAML → ModelSummary, following YOLOv5's `parse_model` (models/yolo.py):
// depth gain n = max(round(n * depth_multiple), 1) when n > 1; conv-family output channels
// make_divisible(c2 * width_multiple, 8) unless c2 is the detection output count; C3-family modules
// take the repeat count as an argument; Concat sums channels; Detect gets its inputs' channels.
// Beyond YOLOv5 it accepts small classifier layers in the same [from, number, module, args] form.
//
// ModuleInfo.args holds the constructor arguments as parse_model passes them (input channels first):
//   Conv, DWConv, GhostConv, Focus, CrossConv, Bottleneck, GhostBottleneck, SPP, SPPF,
//   ConvTranspose2d, DWConvTranspose2d: [c1, c2, ...yamlArgs.slice(1)]
//   C3, C3x, C3Ghost, BottleneckCSP: [c1, c2, n, ...yamlArgs.slice(1)]
//   BatchNorm2d, BatchNorm: [c]        Concat: [dim]        Upsample: [size, scale, mode]
//   Detect: [nc, anchors (lists), input channels]          Contract, Expand: [gain]
//   MaxPool, AvgPool: [k, s, p]   GlobalAvgPool, Flatten: []   Dropout: [p]
//   Dense: [c1, c2, activation | null]                     Classify: [c1, c2, k, s]
// Output shapes are HWC (or [features] once flat) and are only computed when imgsz is given.
//
// This file reads the YAML document as a whole (multiples, nc, anchors, the backbone and head lists)
// and walks its rows; one row is built in yoloRow.ts, its arguments read through yoloArgs.ts.
import * as path from 'node:path';
import type { SettingLocation } from '../experiment/settingLocation';
import type { FileDiagnostic } from '../experiment/types';
import { parseYamlDocument, positionOf } from '../experiment/yamlPositions';
import type { YamlDocument, YamlPath } from '../experiment/yamlPositions';
import { ArgError } from './torchLayers';
import { SizeGuard, SizeLimitError } from './sizeLimits';
import type { ModelSummary, ModuleInfo } from './types';
import { buildRow, describeRow } from './yoloRow';
import type { ModelContext } from './yoloRow';
import type { Shape } from './yoloShape';

export interface ModelOptions {
  /** Class count; overrides the YAML's `nc` as YOLOv5's Model(cfg, nc=…) does. */
  nc?: number;
  /** Square input size; output shapes are computed only when given. */
  imgsz?: number;
  /** Input channels (3 for RGB, 1 for MNIST); overrides the YAML's `ch`. Default 3. */
  ch?: number;
  /** Where the experiment sets imgsz: a size-limit error caused by the image size is reported there. */
  imgszAt?: SettingLocation;
}

type Obj = Record<string, unknown>;
type Result = { summary?: ModelSummary; diagnostics: FileDiagnostic[] };

/** The model-wide settings at the top of the YAML, checked. */
interface Header {
  gd: number;
  gw: number;
  chMul: number;
  nc?: number;
  inCh: number;
  anchors: unknown;
  no: number;
}

export function parseYoloModel(text: string, file: string, opts: ModelOptions = {}): Result {
  const parsed = parseYamlDocument(text, file);
  if (!parsed.doc) return { diagnostics: [parsed.error!] };
  return new YoloParser(parsed.doc, file, opts).parse();
}

class YoloParser {
  private readonly diagnostics: FileDiagnostic[] = [];

  constructor(
    private readonly doc: YamlDocument,
    private readonly file: string,
    private readonly opts: ModelOptions,
  ) {}

  private err(p: YamlPath, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.diagnostics.push({ file: this.file, ...positionOf(this.doc, p), severity, message });
  }

  parse(): Result {
    const d = this.doc.value;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      this.err([], 'a model YAML must be a mapping with `backbone:` (and usually `head:`, `nc:`, `depth_multiple:`, `width_multiple:`)');
      return { diagnostics: this.diagnostics };
    }
    const y = d as Obj;
    const header = this.header(y);
    const sections = this.sections(y);
    if (this.hasErrors() || !header) return { diagnostics: this.diagnostics };
    return this.modules(header, sections);
  }

  /** depth/width/channel multiples, nc, ch and anchors; undefined when one is unusable (reported). */
  private header(y: Obj): Header | undefined {
    const gd = this.multiple(y, 'depth_multiple');
    const gw = this.multiple(y, 'width_multiple');
    const chMul = y.channel_multiple === undefined ? 8 : this.positiveInt(y.channel_multiple, ['channel_multiple']);
    let nc: number | undefined = this.opts.nc;
    if (y.nc !== undefined) {
      const yamlNc = this.positiveInt(y.nc, ['nc']);
      nc ??= yamlNc;
    }
    const inCh = this.opts.ch ?? (y.ch === undefined ? 3 : this.positiveInt(y.ch, ['ch']));
    const anchors = y.anchors;
    const na = this.anchorsPerLevel(anchors);
    const no = na * ((nc ?? 0) + 5);
    if (gd === undefined || gw === undefined || chMul === undefined || inCh === undefined) return undefined;
    return { gd, gw, chMul, nc, inCh, anchors, no };
  }

  private anchorsPerLevel(anchors: unknown): number {
    if (anchors === undefined) return 0;
    if (
      Array.isArray(anchors) &&
      anchors.length &&
      anchors.every((a) => Array.isArray(a) && a.length % 2 === 0 && a.length && a.every((x) => typeof x === 'number'))
    ) {
      return (anchors[0] as unknown[]).length / 2;
    }
    if (Number.isInteger(anchors) && (anchors as number) > 0) return anchors as number;
    this.err(['anchors'], 'anchors must be a list of [w1, h1, w2, h2, …] lists (one per detection level) or a number of anchors per level');
    return 0;
  }

  private sections(y: Obj): Array<['backbone' | 'head', unknown[]]> {
    const sections: Array<['backbone' | 'head', unknown[]]> = [];
    for (const key of ['backbone', 'head'] as const) {
      const v = y[key];
      if (v === undefined || v === null) {
        if (key === 'backbone') this.err([], 'the model YAML needs a `backbone:` list of [from, number, module, args] rows');
        continue;
      }
      if (!Array.isArray(v)) {
        this.err([key], `${key} must be a list of [from, number, module, args] rows`);
        continue;
      }
      sections.push([key, v]);
    }
    return sections;
  }

  /** Every row in order (indices run on from backbone into head), then the summary. */
  private modules(h: Header, sections: Array<['backbone' | 'head', unknown[]]>): Result {
    const imgsz = this.opts.imgsz;
    const guard = new SizeGuard({
      gd: h.gd,
      gw: h.gw,
      imgsz,
      imgszSetting: this.opts.imgszAt?.setting ?? 'imgsz',
      modelFile: path.basename(this.file),
    });
    const input: Shape = { c: h.inCh, h: imgsz, w: imgsz, flat: false };
    const model: ModelContext = {
      gd: h.gd,
      gw: h.gw,
      chMul: h.chMul,
      nc: h.nc,
      anchors: h.anchors,
      no: h.no,
      imgsz,
      input,
      shapes: [],
      guard,
    };
    const modules: ModuleInfo[] = [];
    let backboneLength = 0;
    let i = 0;
    for (const [section, rows] of sections) {
      for (let j = 0; j < rows.length; j++, i++) {
        if (section === 'backbone') backboneLength++;
        const where: YamlPath = [section, j];
        const line = positionOf(this.doc, where).line;
        try {
          const built = buildRow(i, rows[j], line, model);
          model.shapes.push(built?.shape);
          if (built) {
            guard.add({ name: built.info.name, type: built.info.type, line }, built.info.params, built.info.layers, built.info.outShape);
            modules.push({ ...built.info, section, line });
          }
        } catch (e) {
          // One size error says it all: the modules after it are larger still, or never built.
          if (e instanceof SizeLimitError) return this.sizeError(e, where);
          if (!(e instanceof ArgError)) throw e;
          this.err(where, `module ${i} (${describeRow(rows[j])}): ${e.message}`);
          model.shapes.push(undefined);
        }
      }
    }
    if (this.hasErrors()) return { diagnostics: this.diagnostics };
    if (!modules.length) {
      this.err(['backbone'], 'the model has no modules: add [from, number, module, args] rows to `backbone:`');
      return { diagnostics: this.diagnostics };
    }
    const summary: ModelSummary = {
      kind: 'yolov5-yaml',
      file: this.file,
      modules,
      totalParams: modules.reduce((a, m) => a + m.params, 0),
      backboneLength,
      inputShape: imgsz === undefined ? undefined : [imgsz, imgsz, h.inCh],
    };
    if (h.nc !== undefined) summary.nc = h.nc;
    return { summary, diagnostics: this.diagnostics };
  }

  /** Reported at the setting to change: the multiple's line, the experiment's image size, or the row. */
  private sizeError(e: SizeLimitError, where: YamlPath): { diagnostics: FileDiagnostic[] } {
    const p =
      e.culprit === 'width_multiple' || e.culprit === 'depth_multiple' ? [e.culprit] : e.culprit === 'number' ? [...where, 1] : where;
    const at = (e.culprit === 'imgsz' ? this.opts.imgszAt : undefined) ?? { file: this.file, ...positionOf(this.doc, p) };
    this.diagnostics.push({ file: at.file, line: at.line, column: at.column, severity: 'error', message: e.message, code: 'size-limit' });
    return { diagnostics: this.diagnostics };
  }

  private hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private multiple(y: Obj, key: string): number | undefined {
    const v = y[key];
    if (v === undefined) return 1;
    if (typeof v === 'number' && v > 0 && Number.isFinite(v)) return v;
    this.err(
      [key],
      `${key} must be a positive number (YOLOv5s uses ${key === 'depth_multiple' ? '0.33' : '0.50'}); got ${JSON.stringify(v)}`,
    );
    return undefined;
  }

  private positiveInt(v: unknown, p: YamlPath): number | undefined {
    if (Number.isInteger(v) && (v as number) > 0) return v as number;
    this.err(p, `${p.join('.')} must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
    return undefined;
  }
}
