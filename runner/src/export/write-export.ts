// op 400: writes the (filtered) rows or an analysis result to a file in the requested format; returns its size and hash.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import type { AnalysisResult, ExportFormat, ExportParams, FilterExpr } from '@simpul/protocol';
import { describe } from '../analysis/describe.ts';
import { checkAborted } from '../analysis/errors.ts';
import { runAnalysis } from '../analysis/run-analysis.ts';
import { column } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { copyRows, xlsxRows, xlsxTable } from './data-export.ts';
import { filterText } from './filter-text.ts';
import { analysisReport, analysisTitle, dataReport } from './pdf-report.ts';
import { resultTable, toCsv } from './result-table.ts';
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

async function exportAnalysis(
  src: SqlSource,
  params: ExportParams & { analysis: NonNullable<ExportParams['analysis']> },
  outPath: string,
  filter: string,
  release: ReleaseAnalysis,
): Promise<number> {
  const result: AnalysisResult = release(await runAnalysis(scaled(src, 0, 80), params.analysis));
  checkAborted(src.signal);
  const table = resultTable(result);
  switch (params.format) {
    case 'json':
      await writeFile(outPath, JSON.stringify(result, null, 2));
      break;
    case 'csv':
      await writeFile(outPath, toCsv(table));
      break;
    case 'xlsx':
      await xlsxTable(table.columns, table.rows, outPath, result.analysis);
      break;
    case 'parquet':
      await tableToParquet(src, table, outPath);
      break;
    case 'pdf':
      await analysisReport(result, outPath, {
        title: `${analysisTitle(result.analysis)}: ${params.dataset}`,
        dataset: params.dataset,
        filter,
        rows: result.rows_used,
      });
      break;
  }
  return table.rows.length;
}

async function exportRows(
  src: SqlSource,
  params: ExportParams,
  outPath: string,
  filter: string,
  release: ReleaseAnalysis,
): Promise<number> {
  const cols = [...new Set(params.columns ?? src.columns.map((c) => c.name))].map((n) => column(src, n));
  switch (params.format) {
    case 'csv':
    case 'parquet':
    case 'json':
      src.progress(5, `writing ${params.format}`);
      return copyRows(src, cols, params.format, outPath);
    case 'xlsx':
      return xlsxRows(src, cols, outPath);
    case 'pdf': {
      const summary = release(
        await describe(scaled(src, 0, 80), {
          analysis: 'describe',
          columns: cols.map((c) => c.name),
          bins: 20,
          top: 5,
        }),
      );
      if (summary.analysis !== 'describe') throw new Error('the gate changed the kind of the data report');
      checkAborted(src.signal);
      await dataReport(summary, outPath, {
        title: `Data report: ${params.dataset}`,
        dataset: params.dataset,
        filter,
        rows: summary.rows_used,
      });
      return summary.rows_used;
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
): Promise<ExportOutput> {
  const filters = [params.where, params.analysis?.where].filter((f): f is FilterExpr => f !== undefined);
  const filter = filterText(filters.length > 1 ? { and: filters } : filters[0]);
  try {
    checkAborted(src.signal);
    const rows = params.analysis
      ? await exportAnalysis(src, { ...params, analysis: params.analysis }, outPath, filter, release)
      : await exportRows(src, params, outPath, filter, release);
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
