// A report as workbook sheets, written through an `XlsxBookSink` (the subset of exceljs's workbook that it uses), so
// the runner and the hub fill their own exceljs workbooks the same way: the summary, then a sheet per section.
import type { Cell } from '../ops.ts';
import { type ReportDoc, type ReportSection, summarySection } from './document.ts';

export interface XlsxRowSink {
  font: unknown;
  commit(): void;
}

export interface XlsxSheetSink {
  columns: { header?: string | string[]; width?: number }[];
  getRow(n: number): XlsxRowSink;
  addRow(values: Cell[]): XlsxRowSink;
  commit?(): void; // streaming workbooks only: a sheet in memory has none at run time, whatever its types say
}

export interface XlsxBookSink {
  addWorksheet(name: string, options: { views: { state: 'frozen'; ySplit: number }[] }): XlsxSheetSink;
}

/** Sheet names: at most 31 characters, none of []:*?/\, unique in the book (case-insensitively). */
export function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28) || 'Sheet';
  let out = base;
  for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${base} ${i}`;
  taken.add(out.toLowerCase());
  return out;
}

/** A sheet with a bold, frozen header row and columns as wide as their text (within reason). */
export function addSheet(book: XlsxBookSink, s: ReportSection, taken: Set<string>): XlsxSheetSink {
  const sheet = book.addWorksheet(sheetName(s.name, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
  const sample = s.table.rows.slice(0, 200);
  sheet.columns = s.table.columns.map((c, i) => ({
    header: c,
    width: Math.min(60, Math.max(10, c.length + 2, ...sample.map((r) => String(r[i] ?? '').length + 2))),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for (const r of s.table.rows) sheet.addRow(r).commit();
  if (typeof sheet.commit === 'function') sheet.commit();
  return sheet;
}

/** The summary sheet and one sheet per section; returns the names taken, for sheets added after them. */
export function addReportSheets(book: XlsxBookSink, doc: ReportDoc): Set<string> {
  const taken = new Set<string>();
  for (const s of [summarySection(doc), ...doc.sections]) addSheet(book, s, taken);
  return taken;
}
