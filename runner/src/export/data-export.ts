// Exports of the (filtered) rows: csv, parquet and json written by DuckDB's COPY; xlsx streamed in chunks with exceljs.
import type { ColumnInfo } from '@simpul/protocol';
import { AnalysisError, checkAborted } from '../analysis/errors.ts';
import { Sql, count, quoteIdent, sqlString, value } from '../analysis/sql.ts';
import type { SqlSource } from '../analysis/types.ts';
import { type Workbook, workbook } from './report-files.ts';

/** Rows in one xlsx sheet, besides its header row. */
export const XLSX_MAX_ROWS = 1_048_575;
const XLSX_CHUNK = 10_000;

const COPY_OPTIONS = {
  csv: 'FORMAT csv, HEADER true',
  parquet: 'FORMAT parquet',
  json: 'FORMAT json, ARRAY true', // one JSON array, not one object per line
} as const;

const selectList = (cols: ColumnInfo[]) => cols.map((c) => quoteIdent(c.name)).join(', ');

/**
 * JSON has no Infinity or NaN (DuckDB would write them bare, and no JSON parser reads the file): a floating-point column
 * writes them as the strings "Infinity", "-Infinity" and "NaN", as ops 100 and 200 return them.
 */
function jsonSelectList(cols: ColumnInfo[]): string {
  return cols
    .map((c) => {
      const q = quoteIdent(c.name);
      if (!/^(DOUBLE|FLOAT|REAL|FLOAT4|FLOAT8)$/.test(c.type)) return q;
      return `CASE WHEN ${q} IS NULL OR isfinite(${q}) THEN to_json(${q}) WHEN isnan(${q}) THEN '"NaN"'::JSON WHEN ${q} > 0 THEN '"Infinity"'::JSON ELSE '"-Infinity"'::JSON END AS ${q}`;
    })
    .join(', ');
}

/** DuckDB writes the file itself (streaming, larger than memory); filter values stay bound parameters. */
export async function copyRows(
  src: SqlSource,
  cols: ColumnInfo[],
  format: keyof typeof COPY_OPTIONS,
  outPath: string,
): Promise<number> {
  const sql = new Sql(src);
  const select = format === 'json' ? jsonSelectList(cols) : selectList(cols);
  // COPY takes the target only as a literal; the path is the runner's own, never the analyst's.
  const text = `COPY (SELECT * FROM ${sql.from(select)}) TO ${sqlString(outPath)} (${COPY_OPTIONS[format]})`;
  const rows = await src.query(text, sql.params);
  return count(rows[0]?.Count ?? rows[0]?.count);
}

export async function countRows(src: SqlSource): Promise<number> {
  const sql = new Sql(src);
  const [r] = await src.query(`SELECT count(*) AS n FROM ${sql.from('1')}`, sql.params);
  return count(r.n);
}

/**
 * An xlsx file written row by row (exceljs's streaming writer), reading the rows in chunks, in a sheet named "Data"
 * after the sheets that `before` adds (the summary).
 */
export async function xlsxRows(
  src: SqlSource,
  cols: ColumnInfo[],
  outPath: string,
  before: (book: Workbook) => void = () => {},
): Promise<number> {
  const total = await countRows(src);
  if (total > XLSX_MAX_ROWS) {
    throw new AnalysisError(
      'invalid_params',
      `${total} rows match; an xlsx sheet holds at most ${XLSX_MAX_ROWS}: filter further, or export csv or parquet`,
    );
  }
  const book = workbook(outPath);
  before(book);
  const sheet = book.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(cols.map((c) => c.name)).commit();
  // Aliases keep odd column names out of the row objects' keys.
  const aliased = cols.map((c, i) => `${quoteIdent(c.name)} AS c${i}`).join(', ');
  let written = 0;
  try {
    while (written < total) {
      const sql = new Sql(src);
      // Without ORDER BY, DuckDB keeps the source's order (insertion order is preserved), so pages do not overlap.
      const text = `SELECT * FROM ${sql.from(aliased)} LIMIT ${sql.bind(XLSX_CHUNK, 'BIGINT')} OFFSET ${sql.bind(written, 'BIGINT')}`;
      const rows = await src.query(text, sql.params);
      if (rows.length === 0) break;
      for (const r of rows) sheet.addRow(cols.map((_, i) => value(r[`c${i}`]))).commit();
      written += rows.length;
      checkAborted(src.signal);
      src.progress(Math.round((90 * written) / Math.max(1, total)), 'writing xlsx');
    }
  } finally {
    sheet.commit();
    await book.commit();
  }
  return written;
}
