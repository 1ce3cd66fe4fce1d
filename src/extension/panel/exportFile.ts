// Turning an export posted by the webview into a file: its bytes, a default name, the save dialog's
// filter. No vscode import (unit-tested); the panel shows the dialog and writes.
import type { ExportFormat } from '../../shared/panel/contract';

const PNG_PREFIX = 'data:image/png;base64,';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const EXPORT_FILTERS: Record<ExportFormat, Record<string, string[]>> = {
  csv: { CSV: ['csv'] },
  png: { 'PNG image': ['png'] },
  svg: { 'SVG image': ['svg'] },
};

/** "chart-accuracy" + png -> "transfer-lab-chart-accuracy.png"; anything odd in `what` becomes "-". */
export function exportFileName(what: string, format: ExportFormat): string {
  const safe =
    what
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 80) || 'export';
  return `transfer-lab-${safe}.${format}`;
}

/** The file's bytes; throws a message fit for the user when the content is not what it claims. */
export function exportBytes(format: ExportFormat, data: string): Uint8Array {
  if (format === 'png') {
    if (!data.startsWith(PNG_PREFIX)) throw new Error('the chart image is not a PNG data URL');
    const bytes = Buffer.from(data.slice(PNG_PREFIX.length), 'base64');
    if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
      throw new Error('the chart image does not decode to a PNG (the canvas may be empty)');
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  if (format === 'svg' && !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(data)) throw new Error('the exported chart is not an SVG document');
  return new TextEncoder().encode(data);
}
