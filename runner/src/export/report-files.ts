// A report (protocol's ReportDoc) as files: an xlsx workbook with a sheet per section, and a PDF drawn with pdfkit.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type PdfSink, type ReportDoc, type ReportSection, drawReport, summarySection } from '@simpul/protocol';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';

export type Workbook = InstanceType<typeof ExcelJS.stream.xlsx.WorkbookWriter>;

/** Sheet names: at most 31 characters, none of []:*?/\, unique in the book. */
export function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28) || 'Sheet';
  let out = base;
  for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${base} ${i}`;
  taken.add(out.toLowerCase());
  return out;
}

/** Adds the summary sheet and one sheet per section to a streaming workbook (header row bold, first row frozen). */
export function addReportSheets(book: Workbook, doc: ReportDoc, taken = new Set<string>()): void {
  for (const s of [summarySection(doc), ...doc.sections]) addSheet(book, s, taken);
}

function addSheet(book: Workbook, s: ReportSection, taken: Set<string>): void {
  const sheet = book.addWorksheet(sheetName(s.name, taken), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = s.table.columns.map((c, i) => ({
    header: c,
    width: Math.min(
      60,
      Math.max(10, c.length + 2, ...s.table.rows.slice(0, 200).map((r) => String(r[i] ?? '').length + 2)),
    ),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for (const r of s.table.rows) sheet.addRow(r).commit();
  sheet.commit();
}

/** A new streaming workbook at `outPath`. */
export const workbook = (outPath: string): Workbook =>
  new ExcelJS.stream.xlsx.WorkbookWriter({ filename: outPath, useStyles: true, useSharedStrings: false });

/** The whole report as one workbook. */
export async function reportXlsx(doc: ReportDoc, outPath: string): Promise<void> {
  const book = workbook(outPath);
  addReportSheets(book, doc);
  await book.commit();
}

/** The whole report as an A4 PDF. */
export async function reportPdf(doc: ReportDoc, outPath: string): Promise<void> {
  const pdf = new PDFDocument({ size: 'A4', margin: 48, info: { Title: doc.meta.title, Creator: 'Simpul' } });
  const out = createWriteStream(outPath);
  pdf.pipe(out);
  drawReport(pdf satisfies PdfSink, doc);
  pdf.end();
  await finished(out);
}
