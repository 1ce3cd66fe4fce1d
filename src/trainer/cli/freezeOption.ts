// `--freeze SPEC` as the commands take it (train, modules, lr-find): a usage error when it does not parse.
import type { FreezeSpec } from '../../shared/experiment/types';
import { UsageError } from './args';
import { parseFreezeArg } from './modulesTable';

export function freezeOption(v: string | undefined): FreezeSpec | undefined {
  if (v === undefined) return undefined;
  try {
    return parseFreezeArg(v);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
