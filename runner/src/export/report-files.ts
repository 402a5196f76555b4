// A report (protocol's ReportDoc) as files: an xlsx workbook with a sheet per section, and a PDF drawn with pdfkit.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type PdfSink, type ReportDoc, type XlsxBookSink, addReportSheets, drawReport } from '@simpul/protocol';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';

export type Workbook = InstanceType<typeof ExcelJS.stream.xlsx.WorkbookWriter>;

/** A new streaming workbook at `outPath`. */
export const workbook = (outPath: string): Workbook =>
  new ExcelJS.stream.xlsx.WorkbookWriter({ filename: outPath, useStyles: true, useSharedStrings: false });

/** The whole report as one workbook. */
export async function reportXlsx(doc: ReportDoc, outPath: string): Promise<void> {
  const book = workbook(outPath);
  addReportSheets(book satisfies XlsxBookSink, doc);
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
