// Every top-level experiment section beyond the core keys, in one fixed list the parser imports. The
// sections used to register themselves when their feature's module was imported, so whether a
// process reported `slurm:` as unknown, or accepted `trainer: yolov5` without `data:`, depended on
// what it happened to import; with one list every process (host, trainer, tests) parses alike.
import { EXECUTOR_SECTION, SLURM_SECTION } from '../slurm/section';
import { trainerSection, yolov5Section } from '../yolov5/settings';
import type { ExperimentSection } from './sectionTypes';

export const EXPERIMENT_SECTIONS: readonly ExperimentSection[] = [trainerSection, yolov5Section, EXECUTOR_SECTION, SLURM_SECTION];
