// The start marker run.json records next to the pid (RunRecord.pidStartTime): on Linux field 22 of
// /proc/self/stat (clock ticks since boot), which src/extension/runs/processIdentity.ts compares with the
// pid's current one to tell a reused pid from the run's own process.
import { readFileSync } from 'node:fs';

export function processStartTime(pid: number | 'self' = 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const rest = stat
      .slice(close + 2)
      .trim()
      .split(/\s+/);
    return close >= 0 && rest.length > 19 ? rest[19] : undefined;
  } catch {
    return undefined;
  }
}
