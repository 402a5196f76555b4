// A succeeded study's pooled result as a file (GET /api/v1/studies/{id}/export): built here from the stored result,
// which the sites' release gates produced, with the report layout every export uses (protocol's report/).
import { PassThrough } from 'node:stream';
import {
  type PdfSink,
  type ReportDoc,
  type StudyExportQuery,
  type StudyView,
  type XlsxBookSink,
  addReportSheets,
  drawReport,
  filterText,
  reportCsv,
  studyDoc,
} from '@simpul/protocol';
import { conflict } from '../errors.ts';

// exceljs and pdfkit are loaded on the first export, not at start-up: together they are about two seconds of CPU, which
// a restarting hub would spend before it answers its runners.

export const STUDY_EXPORT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
} as const satisfies Record<StudyExportQuery['format'], string>;

export interface StudyFile {
  bytes: Uint8Array<ArrayBuffer>;
  filename: string;
  content_type: string;
}

/** The study's report: its pooled result's sections, its sites by name, and where it came from. */
export function studyReport(view: StudyView, now: Date): ReportDoc {
  if (view.status !== 'succeeded' || !view.result)
    throw conflict(`study ${view.study_id} is ${view.status}: only a succeeded study has a result to export`);
  const names = new Map(view.site_list.map((s) => [s.runner_id, s.name ?? s.runner_id]));
  return studyDoc(
    view.result,
    {
      dataset: view.dataset,
      study_id: view.study_id,
      filter: filterText(view.request.where),
      created_at: now.toISOString(),
    },
    names,
  );
}

async function pdfBytes(doc: ReportDoc): Promise<Uint8Array<ArrayBuffer>> {
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new PDFDocument({ size: 'A4', margin: 48, info: { Title: doc.meta.title, Creator: 'Simpul' } });
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on('end', resolve));
  pdf.pipe(out);
  drawReport(pdf satisfies PdfSink, doc);
  pdf.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

async function xlsxBytes(doc: ReportDoc): Promise<Uint8Array<ArrayBuffer>> {
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'Simpul';
  addReportSheets(book satisfies XlsxBookSink, doc);
  return new Uint8Array(await book.xlsx.writeBuffer());
}

/** The file in `format`: JSON is the whole study view with the report's meta and notes. */
export async function studyFile(
  view: StudyView,
  format: StudyExportQuery['format'],
  now = new Date(),
): Promise<StudyFile> {
  const doc = studyReport(view, now);
  const filename = `study-${view.study_id}-${view.analysis}.${format}`;
  const bytes =
    format === 'json'
      ? new TextEncoder().encode(JSON.stringify({ report: { meta: doc.meta, notes: doc.notes }, ...view }, null, 2))
      : format === 'csv'
        ? new TextEncoder().encode(reportCsv(doc))
        : format === 'xlsx'
          ? await xlsxBytes(doc)
          : await pdfBytes(doc);
  return { bytes, filename, content_type: STUDY_EXPORT_TYPES[format] };
}
