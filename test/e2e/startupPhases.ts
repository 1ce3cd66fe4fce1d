// Where a window's start-up goes, from window ready to the Modules view's rows in the DOM: the
// window's own times (an observer in the page), code-server's logs (when the window asked for an
// extension host, when the host process was launched, when it started, when it began activating
// Transfer Lab and by which event) and Transfer Lab's own start-up line (src/extension/startupMarks.ts).
// All clocks are this machine's: the logs' local times and Date.now() agree.
import type { Page } from 'playwright-core';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface PageTimes {
  ready?: number;
  rows?: number;
}

/** Notes in the page when the workbench appears and when a Modules row reading `rowText` does. */
export async function observeStartup(page: Page, rowText: string): Promise<void> {
  await page.addInitScript((text: string) => {
    const times: PageTimes = {};
    (window as unknown as { __tlStartup: PageTimes }).__tlStartup = times;
    const seen = (): void => {
      times.ready ??= document.querySelector('.monaco-workbench') ? Date.now() : undefined;
      if (times.ready === undefined || times.rows !== undefined) return;
      const rows = document.querySelectorAll('[role=tree] .monaco-list-row[role=treeitem]');
      if (Array.from(rows).some((r) => r.textContent?.includes(text))) {
        times.rows = Date.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(seen);
    observer.observe(document, { subtree: true, childList: true, characterData: true });
  }, rowText);
}

export interface Phase {
  name: string;
  at: number;
}

/** The phases found, in time order (ms since the epoch). */
export async function startupPhases(page: Page, serverTmp: string): Promise<Phase[]> {
  const times = await page.evaluate(() => (window as unknown as { __tlStartup: PageTimes }).__tlStartup);
  const phases: Array<Phase | undefined> = [
    times.ready === undefined ? undefined : { name: 'window ready (.monaco-workbench in the DOM)', at: times.ready },
    times.rows === undefined ? undefined : { name: 'Modules rows in the DOM', at: times.rows },
  ];
  for (const { day, hosts } of logFolders(serverTmp)) {
    const agent = read(path.join(day, 'remoteagent.log'));
    phases.push(logged(agent, /\[ExtensionHostConnection\] New connection established/, 'window asked for an extension host'));
    phases.push(logged(agent, /Launched Extension Host Process/, 'extension host process launched'));
    for (const host of hosts) {
      const hostLog = read(path.join(host, 'remoteexthost.log'));
      phases.push(logged(hostLog, /Extension host with pid \d+ started/, 'extension host started'));
      const activation = hostLog.find((l) => l.includes('_doActivateExtension transfer-lab.transfer-lab'));
      const event = /activationEvent: '([^']+)'/.exec(activation ?? '')?.[1];
      phases.push(
        logged(hostLog, /_doActivateExtension transfer-lab\.transfer-lab/, `host began activating Transfer Lab (${event ?? '?'})`),
      );
      phases.push(...ownMarks(read(ownLog(host))));
    }
  }
  return phases.filter((p): p is Phase => p !== undefined).sort((a, b) => a.at - b.at);
}

/** Other extensions the host activated until `until` (they share its one thread). */
export function othersActivated(serverTmp: string, until: number): string[] {
  const names: string[] = [];
  for (const host of logFolders(serverTmp).flatMap((f) => f.hosts)) {
    for (const line of read(path.join(host, 'remoteexthost.log'))) {
      const m = /_doActivateExtension (\S+), startup: \w+, activationEvent: '([^']+)'/.exec(line);
      if (m && m[1] !== 'transfer-lab.transfer-lab' && (logTime(line) ?? Infinity) <= until) names.push(`${m[1]} (${m[2]})`);
    }
  }
  return names;
}

/** Whether Transfer Lab's start-up log has this mark yet (it writes them just after the rows). */
export function ownMarkWritten(serverTmp: string, mark: string): boolean {
  return logFolders(serverTmp)
    .flatMap((f) => f.hosts)
    .some((host) => read(ownLog(host)).some((l) => l.includes('start-up:') && l.includes(mark)));
}

/** code-server's log folders: one a window session, with one folder per extension host. */
function logFolders(serverTmp: string): Array<{ day: string; hosts: string[] }> {
  const logs = path.join(serverTmp, 'user', 'logs');
  return readdirSync(logs).map((d) => {
    const day = path.join(logs, d);
    return {
      day,
      hosts: readdirSync(day)
        .filter((h) => h.startsWith('exthost'))
        .map((h) => path.join(day, h)),
    };
  });
}

function ownLog(host: string): string {
  return path.join(host, 'transfer-lab.transfer-lab', 'Transfer Lab.log');
}

/** "window ready → … 0.00 s", one line a phase, with the step from the previous one. */
export function formatPhases(phases: readonly Phase[]): string {
  const zero = phases[0]?.at ?? 0;
  return phases
    .map(
      (p, i) =>
        `  ${((p.at - zero) / 1000).toFixed(2).padStart(6)} s  (+${((p.at - (phases[i - 1]?.at ?? p.at)) / 1000).toFixed(2)})  ${p.name}`,
    )
    .join('\n');
}

const OWN_NAMES: Record<string, string> = {
  bundleLoaded: 'Transfer Lab bundle loaded',
  activateCalled: 'activate() called',
  treeCreated: 'Modules tree created (the window hears of it when activate() first awaits)',
  activateReturned: 'activate() returned (after the workspace search)',
  rowsAsked: 'Modules view asked for its rows',
  rowsGiven: 'Modules rows handed to the window',
};

/** "start-up: bundle began <ISO>; activateCalled +12 ms, …" → phases. */
function ownMarks(lines: string[]): Phase[] {
  const phases: Phase[] = [];
  for (const line of lines) {
    const m = /start-up: bundle began (\S+); (.*)$/.exec(line);
    if (!m) continue;
    const began = Date.parse(m[1]);
    if (phases.length === 0) phases.push({ name: 'Transfer Lab bundle began loading', at: began });
    phases.push(...[...m[2].matchAll(/(\w+) \+(\d+) ms/g)].map((x) => ({ name: OWN_NAMES[x[1]] ?? x[1], at: began + Number(x[2]) })));
  }
  return phases;
}

function read(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

function logged(lines: string[], pattern: RegExp, name: string): Phase | undefined {
  const at = logTime(lines.find((l) => pattern.test(l)));
  return at === undefined ? undefined : { name, at };
}

/** "2026-12-03 11:23:47.049 [info] …" (local time) → ms since the epoch. */
function logTime(line: string | undefined): number | undefined {
  if (!line) return undefined;
  const t = new Date(line.slice(0, 23).replace(' ', 'T')).getTime();
  return Number.isNaN(t) ? undefined : t;
}
