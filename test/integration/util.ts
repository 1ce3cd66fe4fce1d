// Small helpers the integration suites share.
import * as vscode from 'vscode';

export function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('integration tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

export async function removeFiles(rel: string[]): Promise<void> {
  for (const r of rel) {
    try {
      await vscode.workspace.fs.delete(workspaceUri(r), { recursive: true, useTrash: false });
    } catch {
      // absent
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export async function writeFile(rel: string, text: string): Promise<vscode.Uri> {
  const uri = workspaceUri(rel);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** Polls until `probe` returns a value: VS Code state updates asynchronously. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
