// Turns a rows result into files people can download: CSV (RFC 4180) and JSON (one object per row).
import type { Cell, ColumnInfo } from '@simpul/protocol';

interface Rows {
  columns: ColumnInfo[];
  rows: Cell[][];
}

function csvField(v: Cell | string): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(r: Rows): string {
  const lines = [r.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of r.rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function toJson(r: Rows): string {
  const names = r.columns.map((c) => c.name);
  const objects = r.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

/** Offers text as a file download, without a round trip to the hub. */
export function downloadText(filename: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // The click has started the download; the URL is no longer needed once it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
