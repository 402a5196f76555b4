// Rows as CSV (RFC 4180, CRLF): the hub writes a small inline result this way, the web the rows it holds.
import type { ColumnInfo } from './common.ts';
import type { Cell } from './ops.ts';

export interface CsvRows {
  columns: readonly Pick<ColumnInfo, 'name'>[];
  rows: readonly (readonly Cell[])[];
}

/** One field: null is empty; quoted when it holds a quote, comma or line break, or has spaces at either end. */
export function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The header line and one line per row. */
export function rowsToCsv(r: CsvRows): string {
  const lines = [r.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of r.rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
