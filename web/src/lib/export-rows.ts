// Turns a rows result into files people can download: CSV (RFC 4180) and JSON (one object per row).
import { type Cell, type ColumnInfo, rowsToCsv } from '@simpul/protocol';

interface Rows {
  columns: ColumnInfo[];
  rows: Cell[][];
}

/** CSV of the rows held here; the hub writes the same for a whole result (`GET /api/v1/result/{id}/download/csv`). */
export const toCsv = (r: Rows): string => rowsToCsv(r);

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
