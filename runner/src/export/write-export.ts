// op 400: writes the (filtered) rows or an analysis result to a file in the requested format; returns its size and hash.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import {
  type AnalysisResult,
  type ColumnInfo,
  type ExportFormat,
  type ExportParams,
  type FilterExpr,
  type ReportDoc,
  type ReportMeta,
  analysisDoc,
  addReportSheets,
  disclosureLines,
  filterText,
  reportCsv,
} from '@simpul/protocol';
import { describe } from '../analysis/describe.ts';
import { checkAborted } from '../analysis/errors.ts';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { column } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { copyRows, countRows, xlsxRows } from './data-export.ts';
import { reportPdf, reportXlsx } from './report-files.ts';
import { tableToParquet } from './table-parquet.ts';

export interface ExportOutput {
  bytes: number;
  sha256: string;
  rows: number;
  format: ExportFormat;
}

async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: (await stat(path)).size, sha256: hash.digest('hex') };
}

/** The same source with progress mapped into [from, to]. */
function scaled(src: SqlSource, from: number, to: number): SqlSource {
  return {
    relation: src.relation,
    columns: src.columns,
    where: src.where,
    query: (sql, params) => src.query(sql, params),
    signal: src.signal,
    progress: (p, message) => src.progress(Math.round(from + ((to - from) * p) / 100), message),
    minGroupSize: src.minGroupSize,
    dataset: src.dataset,
    ...(src.disclosure ? { disclosure: src.disclosure } : {}),
  };
}

/** The release gate, as the export sees it: an analysis goes in, what may be written into the file comes out. */
export type ReleaseAnalysis = (r: AnalysisResult) => AnalysisResult;

/** What a report says about where it came from, besides the result itself. */
export interface ExportOrigin {
  task_id?: string;
  runner?: string;
}

function reportMeta(params: ExportParams, filter: string, origin: ExportOrigin) {
  return {
    dataset: params.dataset,
    filter,
    created_at: new Date().toISOString(),
    ...(origin.task_id ? { task_id: origin.task_id } : {}),
    ...(params.source_task_id ? { source_task_id: params.source_task_id } : {}),
    ...(origin.runner ? { runner: origin.runner } : {}),
  };
}

async function exportAnalysis(
  src: SqlSource,
  params: ExportParams & { analysis: NonNullable<ExportParams['analysis']> },
  outPath: string,
  meta: Omit<ReportMeta, 'title' | 'description'>,
  release: ReleaseAnalysis,
): Promise<number> {
  const result: AnalysisResult = release(await runAnalysis(scaled(src, 0, 80), params.analysis));
  checkAborted(src.signal);
  const doc = analysisDoc(result, meta);
  const main = doc.sections[0]?.table ?? { columns: [], rows: [] };
  switch (params.format) {
    case 'json':
      await writeFile(outPath, JSON.stringify({ report: { meta: doc.meta, notes: doc.notes }, ...result }, null, 2));
      break;
    case 'csv':
      await writeFile(outPath, reportCsv(doc));
      break;
    case 'xlsx':
      await reportXlsx(doc, outPath);
      break;
    case 'parquet':
      await tableToParquet(src, main, outPath);
      break;
    case 'pdf':
      await reportPdf(doc, outPath);
      break;
  }
  return main.rows.length;
}

/** The data's summary statistics (released by the gate) as a report: a data export's PDF, and its xlsx summary. */
async function dataDoc(
  src: SqlSource,
  cols: ColumnInfo[],
  meta: Omit<ReportMeta, 'title' | 'description'>,
  release: ReleaseAnalysis,
): Promise<ReportDoc> {
  const summary = release(
    await describe(scaled(src, 0, 80), { analysis: 'describe', columns: cols.map((c) => c.name), bins: 20, top: 5 }),
  );
  if (summary.analysis !== 'describe') throw new Error('the gate changed the kind of the data report');
  checkAborted(src.signal);
  const doc = analysisDoc(summary, meta);
  doc.meta.title = `Data report: ${meta.dataset}`;
  doc.meta.description = `The ${cols.length} columns of ${meta.dataset}: ${cols.map((c) => c.name).join(', ')}`;
  return doc;
}

async function exportRows(
  src: SqlSource,
  params: ExportParams,
  outPath: string,
  meta: Omit<ReportMeta, 'title' | 'description'>,
  release: ReleaseAnalysis,
): Promise<number> {
  const cols = [...new Set(params.columns ?? src.columns.map((c) => c.name))].map((n) => column(src, n));
  switch (params.format) {
    case 'csv':
    case 'parquet':
    case 'json':
      src.progress(5, `writing ${params.format}`);
      return copyRows(src, cols, params.format, outPath);
    case 'xlsx': {
      const rows = await countRows(src);
      const doc: ReportDoc = {
        meta: {
          ...meta,
          title: `Data: ${meta.dataset}`,
          description: `${rows.toLocaleString('en-US')} rows of ${meta.dataset}: ${cols.map((c) => c.name).join(', ')}`,
          rows,
        },
        notes: disclosureLines(undefined), // rows leave whole or not at all (the gate refuses over the budget)
        sections: [
          {
            name: 'Columns',
            title: 'Columns',
            table: { columns: ['Column', 'Type'], rows: cols.map((c) => [c.name, c.type]) },
          },
        ],
      };
      return xlsxRows(src, cols, outPath, (book) => addReportSheets(book, doc));
    }
    case 'pdf': {
      const doc = await dataDoc(src, cols, meta, release);
      await reportPdf(doc, outPath);
      return doc.meta.rows ?? 0;
    }
  }
}

/**
 * Writes the export to `outPath` (which the runner chose; it is removed again if anything fails).
 * `src.where` must be the compiled form of every filter in `params` (its `where` and its analysis's `where`).
 */
export async function writeExport(
  src: SqlSource,
  params: ExportParams,
  outPath: string,
  release: ReleaseAnalysis,
  origin: ExportOrigin = {},
): Promise<ExportOutput> {
  const filters = [params.where, params.analysis?.where].filter((f): f is FilterExpr => f !== undefined);
  const meta = reportMeta(params, filterText(filters.length > 1 ? { and: filters } : filters[0]), origin);
  try {
    checkAborted(src.signal);
    const rows = params.analysis
      ? await exportAnalysis(src, { ...params, analysis: params.analysis }, outPath, meta, release)
      : await exportRows(src, params, outPath, meta, release);
    checkAborted(src.signal);
    src.progress(95, 'checksum');
    const digest = await fileDigest(outPath);
    src.progress(100, 'done');
    return { ...digest, rows, format: params.format };
  } catch (e) {
    await rm(outPath, { force: true });
    checkAborted(src.signal); // an interrupted query's own error says less than the abort reason
    throw e;
  }
}
