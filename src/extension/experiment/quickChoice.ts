// The experiment the views follow, found without a workspace search where the choice does not need
// one. At start-up a search waits for VS Code's search service (0.5–1 s on a busy 2-core machine,
// before the Modules view can show a row); the usual answers are a file named in settings or
// remembered, or one at the workspace folder's top level, which a stat or one directory listing
// finds. ExperimentFiles.scan() still lists them all afterwards, with the same preferences.
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { isExperimentFile } from './find';

/** Folders no experiment is looked for in: dependencies and run snapshots (the workspace search's
 *  exclude glob is made from the same list). */
export const EXCLUDED_FOLDERS = ['node_modules', 'runs'] as const;

export function isExcluded(relative: string): boolean {
  return relative
    .split(/[\\/]/)
    .slice(0, -1)
    .some((part) => (EXCLUDED_FOLDERS as readonly string[]).includes(part));
}

export interface QuickChoiceInput {
  /** Workspace folders (file system paths). */
  folders: readonly string[];
  /** The experiment chosen earlier in this workspace (a path). */
  remembered?: string;
  /** `transferLab.experiment`: a path relative to a workspace folder. */
  configured?: string;
}

/** The file scan() would pick, when it can be known without a search; undefined otherwise. */
export async function quickExperimentChoice(input: QuickChoiceInput): Promise<string | undefined> {
  const candidates: string[] = [];
  if (input.remembered) candidates.push(input.remembered);
  const configured = input.configured?.replace(/^\.\//, '');
  if (configured) candidates.push(...input.folders.map((f) => path.join(f, configured)));
  for (const file of candidates) {
    const folder = input.folders.find((f) => file.startsWith(f + path.sep));
    if (!folder || !isExperimentFile(file) || isExcluded(path.relative(folder, file))) continue;
    if (await isFile(file)) return file;
  }
  // With several folders the shallowest file may sit below another folder's top level: search.
  if (input.folders.length !== 1) return undefined;
  // Any failure here only means the quick answer is unknown: undefined sends scan() to its full
  // search, which finds (or reports) the files itself. Nothing is dropped.
  const names = await readdir(input.folders[0]).catch(() => [] as string[]);
  const tops: string[] = [];
  for (const name of names.filter(isExperimentFile)) if (await isFile(path.join(input.folders[0], name))) tops.push(name);
  // scan()'s order among files at one depth.
  tops.sort((a, b) => path.join(input.folders[0], a).localeCompare(path.join(input.folders[0], b)));
  return tops.length > 0 ? path.join(input.folders[0], tops[0]) : undefined;
}

/** A candidate that cannot be stat'ed is no quick answer; the full search decides about it. */
function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
