// The run's comparison colour as its icon in the Runs view, so a row and its lines in the panel
// match. Tree icons take a file, not a colour: one small SVG per palette colour, written once into
// the extension's storage folder.
import * as vscode from 'vscode';
import { RUN_PALETTE, RunColorBook } from '../panel/palette';

export class RunSwatches {
  private readonly folder: vscode.Uri;
  private ready: Promise<void> | undefined;

  /** `colors`: the book the comparison panel colours from too, so a row and its lines match. */
  constructor(
    storage: vscode.Uri,
    readonly colors: RunColorBook = new RunColorBook(),
  ) {
    this.folder = vscode.Uri.joinPath(storage, 'run-colors');
  }

  /** Writes the palette's swatches (idempotent); icons fall back to status icons until done. */
  prepare(): Promise<void> {
    this.ready ??= (async () => {
      await vscode.workspace.fs.createDirectory(this.folder);
      for (const color of RUN_PALETTE) {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="5" fill="${color}"/></svg>`;
        await vscode.workspace.fs.writeFile(this.uriOf(color), new TextEncoder().encode(svg));
      }
    })();
    return this.ready;
  }

  private uriOf(color: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder, `${color.slice(1)}.svg`);
  }

  /** Icon of each run name, from the colour book the panel uses. */
  icons(names: readonly string[]): Map<string, vscode.Uri> {
    const out = new Map<string, vscode.Uri>();
    for (const [name, color] of this.colors.colors(names)) out.set(name, this.uriOf(color));
    return out;
  }
}
