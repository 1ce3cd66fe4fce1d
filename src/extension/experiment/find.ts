// Which files are experiments: `experiment.yaml`, or `<anything>.experiment.yaml`.
import * as path from 'node:path';

/** Glob for workspace searches and file watchers, matching exactly what isExperimentFile accepts. */
export const EXPERIMENT_GLOB = '**/{experiment.yaml,*.experiment.yaml}';

export function isExperimentFile(file: string): boolean {
  const base = path.basename(file.replace(/\\/g, '/'));
  return base === 'experiment.yaml' || (base.endsWith('.experiment.yaml') && base.length > '.experiment.yaml'.length);
}
