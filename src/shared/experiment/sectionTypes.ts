// The shape of a top-level experiment section owned by a feature outside the core parser (`trainer:`,
// `yolov5:`, `executor:`, `slurm:`). Its own file so the features can define their sections without
// importing the parser, and the parser can import the fixed list of them (sections.ts) without a cycle.
import type { YamlPath } from './yamlPositions';

/** A top-level section owned by another feature (`executor:`, `slurm:`…). Known sections
 *  are not reported as unknown; `check` reports problems inside them with paths relative to it. */
export interface ExperimentSection {
  key: string;
  check?(value: unknown, report: SectionReporter): void;
  /** True when this section's value hands training to a program that reads its own data
   *  (`trainer: yolov5`): `data:` may then be left out. */
  suppliesData?(value: unknown): boolean;
}

export interface SectionReporter {
  error(path: YamlPath, message: string): void;
  warning(path: YamlPath, message: string): void;
  /** Resolves a path written in the section against the experiment file's folder. */
  resolvePath(p: string): string;
}
