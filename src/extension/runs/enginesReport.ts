// What `transfer-lab engines --json` says, read by "Show Engines". Pure, unit-tested against the
// real trainer's output.

export interface EngineInfo {
  name: string;
  available: boolean;
  reason: string;
  from?: string;
}

export interface EnginesReport {
  engines: EngineInfo[];
  /** Why no engine can be used with the current setting, when none can. */
  error?: string;
  /** The engine a run would use with the current setting; undefined when none would work. */
  chosen?: string;
  setting: string;
}

export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

/** Reads `engines --json`: `{ chosen: { name, device }, error, engines: [probe…] }` (a bare list
 *  of probes, `probes`, `active` are read too). */
export function parseEnginesJson(text: string): { engines: EngineInfo[]; chosen?: string; error?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`the trainer's "engines --json" output is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
  const obj = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  const list = Array.isArray(v) ? v : Array.isArray(obj.engines) ? obj.engines : Array.isArray(obj.probes) ? obj.probes : undefined;
  if (!list) throw new Error(`the trainer's "engines --json" output has no engine list: ${text.slice(0, 200)}`);
  const engines: EngineInfo[] = [];
  for (const e of list as Record<string, unknown>[]) {
    if (typeof e?.name !== 'string' || typeof e.available !== 'boolean')
      throw new Error(`unexpected engine entry ${JSON.stringify(e).slice(0, 200)}`);
    engines.push({
      name: e.name,
      available: e.available,
      reason: typeof e.reason === 'string' ? e.reason : '',
      from: typeof e.from === 'string' ? e.from : undefined,
    });
  }
  const chosenRaw = obj.chosen ?? obj.active;
  const chosen =
    typeof chosenRaw === 'string'
      ? chosenRaw
      : typeof chosenRaw === 'object' && chosenRaw !== null && typeof (chosenRaw as { name?: unknown }).name === 'string'
        ? (chosenRaw as { name: string }).name
        : undefined;
  return { engines, chosen, ...(typeof obj.error === 'string' ? { error: obj.error } : {}) };
}
