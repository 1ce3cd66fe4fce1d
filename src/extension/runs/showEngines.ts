// "Show Engines": asks the trainer (`engines --json`, run with the same Node and environment a
// training run gets) which engines are installed and which one `auto` picks, shows that, and
// offers the GPU package install in a terminal, or to pin an engine in the settings.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { refuseUntrusted } from './workspaceTrust';
import { readRunsConfig } from './runSettings';
import { resolveNodeRuntime, trainerEnv } from './trainerCommand';
import { EnginesReport, GPU_PACKAGE, parseEnginesJson } from './enginesReport';

/** stdout of `engines --json`; it exits 1 when the requested engine is unavailable and still
 *  prints the probes, so stdout is kept whenever there is one. */
function runEngines(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: 120_000, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err && !stdout.trim()) reject(new Error(`${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export async function showEngines(trainerScript: string, files: ExperimentFiles): Promise<EnginesReport | { refused: string }> {
  // Probing loads engine packages from the workspace's node_modules: code from the workspace.
  const refused = refuseUntrusted();
  if (refused) return { refused };
  const folderUri =
    (files.current && vscode.workspace.getWorkspaceFolder(files.current)?.uri) ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folderUri) return { refused: 'no workspace folder' };
  const config = readRunsConfig(folderUri);
  let report: EnginesReport;
  try {
    const runtime = await resolveNodeRuntime(config.nodePath);
    const args = [trainerScript, 'engines', '--json', ...(config.engine !== 'auto' ? ['--engine', config.engine] : [])];
    const out = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Probing training engines' }, () =>
      runEngines(runtime.command, args, folderUri.fsPath, trainerEnv(runtime, config)),
    );
    const parsed = parseEnginesJson(out);
    const chosen =
      parsed.chosen ??
      (config.engine === 'auto'
        ? parsed.engines.find((e) => e.available)?.name
        : parsed.engines.find((e) => e.name === config.engine && e.available)?.name);
    report = { engines: parsed.engines, chosen, setting: config.engine, ...(parsed.error ? { error: parsed.error } : {}) };
  } catch (e) {
    const msg = `Cannot list the training engines: ${(e as Error).message}`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
  void pickFromReport(report, folderUri);
  return report;
}

type Item = vscode.QuickPickItem & { action?: () => unknown };

async function pickFromReport(report: EnginesReport, folder: vscode.Uri): Promise<void> {
  const items: Item[] = report.engines.map((e) => ({
    label: `${e.available ? '$(check)' : '$(circle-slash)'} ${e.name}`,
    description: [
      e.name === report.chosen ? 'used by runs' : undefined,
      e.available ? 'available' : 'not available',
      e.from ? `from ${e.from}` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
    detail: e.reason,
    action: e.available
      ? () => vscode.workspace.getConfiguration('transferLab').update('engine', e.name, vscode.ConfigurationTarget.Workspace)
      : undefined,
  }));
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  if (report.setting !== 'auto') {
    items.push({
      label: '$(sparkle) Use the best available engine (auto)',
      action: () => vscode.workspace.getConfiguration('transferLab').update('engine', 'auto', vscode.ConfigurationTarget.Workspace),
    });
  }
  const gpu = report.engines.find((e) => e.name === 'tfjs-node-gpu');
  if (!gpu?.available) {
    items.push({
      label: `$(cloud-download) Install ${GPU_PACKAGE} in this workspace…`,
      detail:
        'Runs npm install in a terminal. Needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 on Linux x64 or Windows x64, and access to Google storage for libtensorflow.',
      action: () => {
        const terminal = vscode.window.createTerminal({ name: `Install ${GPU_PACKAGE}`, cwd: folder });
        terminal.show();
        terminal.sendText(`npm install ${GPU_PACKAGE}`);
      },
    });
  }
  const pick = await vscode.window.showQuickPick(items, {
    title: `Training engines — transferLab.engine: ${report.setting}; runs use ${report.chosen ?? `none (${report.error ?? 'no engine available'})`}`,
    placeHolder: "Pick an available engine to use it for this workspace's runs",
    matchOnDetail: true,
  });
  await pick?.action?.();
}
