// Excel workbooks (.xlsx): a dataset is one sheet (the `sheet` option, default the first). Its header row is found, each
// column's type comes from its cells (numbers, dates, booleans, text), and the sheet is converted once to a Parquet file
// in the runner's cache, redone when the workbook changes (size or mtime).
import { type DuckDBAppender, DuckDBDateValue, DuckDBTimestampValue } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import type { FileDatasetConfig } from '../dataset-config.ts';
import { type Conversion, openConvertedDataset } from './converted-source.ts';
import type { DatasetCore, SourceEnv } from './datasets.ts';
import { quoteIdent } from './sql.ts';

type Value = string | number | boolean | Date | null;

/** A cell's value as data: a formula's result, rich text's text, a hyperlink's text; an error cell is null. */
export function cellValue(v: ExcelJS.CellValue): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('error' in v) return null;
    if ('formula' in v || 'sharedFormula' in v)
      return 'result' in v && v.result !== undefined ? cellValue(v.result as ExcelJS.CellValue) : null;
    if ('text' in v) return cellValue(v.text as ExcelJS.CellValue);
  }
  return String(v);
}

const DAY_MS = 86_400_000;

interface Column {
  name: string;
  type: 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' | 'VARCHAR';
}

/** The narrowest type holding every value of a column; mixed kinds read as text. */
function typeOf(values: Value[]): Column['type'] {
  const kinds = new Set(values.filter((v) => v !== null).map((v) => (v instanceof Date ? 'date' : typeof v)));
  if (kinds.size !== 1) return 'VARCHAR';
  const [kind] = kinds;
  if (kind === 'number')
    return values.every((v) => v === null || (Number.isSafeInteger(v) && true)) ? 'BIGINT' : 'DOUBLE';
  if (kind === 'boolean') return 'BOOLEAN';
  if (kind === 'date')
    return values.every((v) => v === null || (v as Date).getTime() % DAY_MS === 0) ? 'DATE' : 'TIMESTAMP';
  return 'VARCHAR';
}

function text(v: Value): string {
  if (v instanceof Date)
    return v.getTime() % DAY_MS === 0 ? v.toISOString().slice(0, 10) : v.toISOString().slice(0, 19).replace('T', ' ');
  return String(v);
}

function append(ap: DuckDBAppender, type: Column['type'], v: Value): void {
  if (v === null) return ap.appendNull();
  switch (type) {
    case 'BIGINT':
      return ap.appendBigInt(BigInt(v as number));
    case 'DOUBLE':
      return ap.appendDouble(v as number);
    case 'BOOLEAN':
      return ap.appendBoolean(v as boolean);
    case 'DATE':
      return ap.appendDate(new DuckDBDateValue(Math.floor((v as Date).getTime() / DAY_MS)));
    case 'TIMESTAMP':
      return ap.appendTimestamp(new DuckDBTimestampValue(BigInt((v as Date).getTime()) * 1000n));
    case 'VARCHAR':
      return ap.appendVarchar(text(v));
  }
}

/** Names made unique (a, a_1) and filled in (columnN) as DuckDB does for CSV; the changes are reported. */
function uniqueNames(raw: string[], warnings: string[]): string[] {
  const seen = new Set<string>();
  const changed: string[] = [];
  const names = raw.map((r, k) => {
    let name = r.trim() || `column${k}`;
    for (let n = 1; seen.has(name); n++) name = `${r.trim() || `column${k}`}_${n}`;
    seen.add(name);
    if (name !== r) changed.push(`${r.trim() === '' ? '(empty)' : `"${r}"`} → "${name}"`);
    return name;
  });
  if (changed.length) warnings.push(`header names made unique or filled in: ${changed.join(', ')}`);
  return names;
}

export interface Sheet {
  sheet: string;
  columns: Column[];
  rows: Value[][];
  headerRow: number | null; // 1-based row of the header in the sheet
  warnings: string[];
}

/**
 * Reads the sheet's rows. The header is the last row holding only text (and at least half as many cells as the widest of
 * the first 20 rows) above the first row holding a number, date or boolean; rows above it (a title, notes) are skipped and
 * reported. Without such a row the columns are column0, column1, …
 */
export async function readSheet(path: string, sheetName?: string): Promise<Sheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const names = wb.worksheets.map((w) => w.name);
  const ws = sheetName === undefined ? wb.worksheets[0] : wb.getWorksheet(sheetName);
  if (!ws)
    throw new Error(
      sheetName === undefined
        ? `${path} has no sheets`
        : `no sheet "${sheetName}" in ${path}; its sheets are: ${names.join(', ')}`,
    );
  const grid: { n: number; values: Value[] }[] = [];
  let width = 0;
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const values: Value[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      values[col - 1] = cellValue(cell.value);
    });
    for (let k = 0; k < values.length; k++) values[k] ??= null;
    while (values.length && values.at(-1) === null) values.pop();
    if (!values.length) return;
    grid.push({ n, values });
    width = Math.max(width, values.length);
  });
  const warnings: string[] = [];
  if (!grid.length) throw new Error(`sheet "${ws.name}" of ${path} is empty`);
  const lead = grid.slice(0, 20);
  const widest = Math.max(...lead.map((r) => r.values.filter((v) => v !== null).length));
  const filled = (r: { values: Value[] }) => r.values.filter((v) => v !== null).length;
  const allText = (r: { values: Value[] }) => r.values.every((v) => v === null || typeof v === 'string');
  // The header is the last all-text row, wide enough, above the first row holding a number, date or boolean.
  const firstTyped = lead.findIndex((r) => !allText(r));
  let h: number;
  let isHeader: boolean;
  if (firstTyped === -1) {
    h = lead.findIndex((r) => filled(r) === widest);
    isHeader = grid.length > h + 1;
  } else {
    h = firstTyped - 1;
    while (h >= 0 && filled(lead[h]) < Math.ceil(widest / 2)) h--;
    isHeader = h >= 0;
    if (!isHeader) h = firstTyped;
  }
  const start = isHeader ? h + 1 : h;
  if (h > 0)
    warnings.push(
      `${h} row${h === 1 ? '' : 's'} above the ${isHeader ? 'header' : 'data'} skipped (sheet row ${grid
        .slice(0, h)
        .map((r) => r.n)
        .join(', ')})`,
    );
  const body = grid.slice(start);
  const cols = Math.max(width, 1);
  const raw = Array.from({ length: cols }, (_, k) => (isHeader ? text(grid[h].values[k] ?? '') : `column${k}`));
  const colNames = isHeader ? uniqueNames(raw, warnings) : raw;
  const rows = body.map((r) => Array.from({ length: cols }, (_, k) => r.values[k] ?? null));
  const columns = colNames.map((name, k) => ({ name, type: typeOf(rows.map((r) => r[k])) }));
  const mixed = columns.filter(
    (c, k) =>
      c.type === 'VARCHAR' &&
      new Set(
        rows
          .map((r) => r[k])
          .filter((v) => v !== null)
          .map((v) => (v instanceof Date ? 'date' : typeof v)),
      ).size > 1,
  );
  if (mixed.length)
    warnings.push(
      `column${mixed.length === 1 ? '' : 's'} ${mixed.map((c) => c.name).join(', ')} mix${mixed.length === 1 ? 'es' : ''} numbers, dates or text: read as text`,
    );
  return { sheet: ws.name, columns, rows, headerRow: isHeader ? grid[h].n : null, warnings };
}

/** A sheet as a Conversion: its columns and rows appended, what was found reported. */
const sheetConversion = (sheetName: string | undefined): Conversion => ({
  kind: 'xlsx',
  async convert(path, create) {
    const sheet = await readSheet(path, sheetName);
    const ap = await create(sheet.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', '));
    for (const r of sheet.rows) {
      sheet.columns.forEach((c, k) => append(ap, c.type, r[k]));
      ap.endRow();
    }
    const dialect = `sheet "${sheet.sheet}", ${sheet.headerRow === null ? 'no header row' : `header in row ${sheet.headerRow}`}, types from the cells`;
    return { rows: sheet.rows.length, dialect, warnings: sheet.warnings };
  },
});

export async function openXlsxDataset(d: FileDatasetConfig, env: SourceEnv): Promise<DatasetCore> {
  return openConvertedDataset(d, env, sheetConversion(d.sheet));
}
