// Where a setting sits in a YAML file (file, line, column and its dotted name), so a problem found
// later — by the model parser, far from the experiment's text — can still point at the line to change.
import { entryAtPath, parseYamlDocument, positionOf } from './yamlPositions';
import type { YamlDocument, YamlPath } from './yamlPositions';

export interface SettingLocation {
  file: string;
  line: number;
  column: number;
  /** Dotted name as the user writes it: `train.imgsz`, `yolov5.img`. */
  setting: string;
}

/** A YAML text's positions, once per text (several settings are looked up in the same file). */
export function yamlPositions(text: string, file: string): YamlDocument | undefined {
  return parseYamlDocument(text, file).doc;
}

/** The setting's value position when the file spells it out; undefined when it is left to its default. */
export function settingLocation(doc: YamlDocument | undefined, file: string, p: YamlPath): SettingLocation | undefined {
  if (!doc || !entryAtPath(doc.root, p)) return undefined;
  return { file, ...positionOf(doc, p), setting: p.join('.') };
}
