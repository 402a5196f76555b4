import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ExportParams } from '@simpul/protocol';
import ExcelJS from 'exceljs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VEGA, openTestSource, tempDir } from '../analysis/test-source.ts';
import { sqlString } from '../analysis/sql.ts';
import { writeExport } from './write-export.ts';

const tmp = tempDir();
const FILE = join(VEGA, 'seattle-weather.csv');
const lines = readFileSync(FILE, 'utf8').trim().split('\n');
const HEADER = lines[0].split(',');
const RAINY = lines.slice(1).filter((l) => l.endsWith(',rain')).length; // counted without DuckDB
const rain = { sql: '"weather" = $1', params: ['rain'] };
const rainExpr = { column: 'weather', op: '=', value: 'rain' };

/** Reads an exported file back with a fresh DuckDB: row count and column names. */
async function readBack(path: string, format: 'csv' | 'parquet' | 'json'): Promise<{ n: number; columns: string[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const fn = format === 'csv' ? 'read_csv' : format === 'parquet' ? 'read_parquet' : 'read_json_auto';
    const rel = `${fn}(${sqlString(path)})`;
    const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${rel}`);
    const probe = await conn.run(`SELECT * FROM ${rel} LIMIT 0`);
    return { n: Number(count.getRows()[0][0]), columns: probe.columnNames() };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function checkDigest(path: string, out: { bytes: number; sha256: string }) {
  assert.is(out.bytes, statSync(path).size);
  assert.is(out.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
}

async function exportOf(params: unknown, name: string, where?: typeof rain, minGroupSize?: number) {
  const src = await openTestSource(FILE, { where, minGroupSize, dataset: 'seattle' });
  const path = join(tmp.dir, name);
  try {
    const out = await writeExport(src, ExportParams.parse(params), path, (r) => r);
    checkDigest(path, out);
    assert.ok(src.progressLog.at(-1) === 100);
    return { out, path };
  } finally {
    src.close();
  }
}

for (const format of ['csv', 'parquet', 'json'] as const) {
  test(`filtered rows as ${format} (DuckDB COPY) read back with the same rows and columns`, async () => {
    const { out, path } = await exportOf({ dataset: 'seattle', format, where: rainExpr }, `rain.${format}`, rain);
    assert.is(out.rows, RAINY);
    assert.is(out.format, format);
    const back = await readBack(path, format);
    assert.is(back.n, RAINY);
    assert.equal(back.columns, HEADER);
  });
}

test('a json export is JSON: infinities and NaN as the strings the rows API gives, every other value as it is', async () => {
  const csv = join(tmp.dir, 'inf.csv');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(csv, 'id,x,n\n1,1.5,7\n2,inf,8\n3,-inf,9\n4,nan,10\n5,,11\n');
  const src = await openTestSource(csv, { dataset: 'inf' });
  const path = join(tmp.dir, 'inf.json');
  try {
    await writeExport(src, ExportParams.parse({ dataset: 'inf', format: 'json' }), path, (r) => r);
  } finally {
    src.close();
  }
  assert.equal(JSON.parse(readFileSync(path, 'utf8')), [
    { id: 1, x: 1.5, n: 7 },
    { id: 2, x: 'Infinity', n: 8 },
    { id: 3, x: '-Infinity', n: 9 },
    { id: 4, x: 'NaN', n: 10 },
    { id: 5, x: null, n: 11 },
  ]);
});

test('a column selection and a value that tries to break out of its quotes', async () => {
  const evil = { sql: '"weather" = $1', params: ["rain' OR '1'='1"] };
  const { out, path } = await exportOf(
    { dataset: 'seattle', format: 'csv', columns: ['date', 'wind'] },
    'evil.csv',
    evil,
  );
  assert.is(out.rows, 0);
  assert.equal(readFileSync(path, 'utf8').trim(), 'date,wind');
  const bad = await openTestSource(FILE);
  try {
    const e = await writeExport(
      bad,
      ExportParams.parse({ dataset: 'seattle', format: 'csv', columns: ['date" FROM data; --'] }),
      join(tmp.dir, 'bad.csv'),
      (r) => r,
    ).catch((x) => x);
    assert.is(e.code, 'unknown_column');
    assert.not.ok(existsSync(join(tmp.dir, 'bad.csv')), 'no partial file is left behind');
  } finally {
    bad.close();
  }
});

test('filtered rows as xlsx (streamed in chunks) read back with exceljs', async () => {
  const { out, path } = await exportOf({ dataset: 'seattle', format: 'xlsx', where: rainExpr }, 'rain.xlsx', rain);
  assert.is(out.rows, RAINY);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  const sheet = book.getWorksheet('Data');
  assert.ok(sheet);
  assert.is(sheet.rowCount, RAINY + 1);
  assert.equal((sheet.getRow(1).values as unknown[]).slice(1), HEADER);
  const first =
    lines
      .slice(1)
      .find((l) => l.endsWith(',rain'))
      ?.split(',') ?? [];
  assert.equal(
    (sheet.getRow(2).values as unknown[]).slice(1).map(String),
    first.map((v) => String(Number.isNaN(Number(v)) ? v : Number(v))),
  );
});

test('a pdf report of the data: title, filter, summary tables and histograms', async () => {
  const { out, path } = await exportOf({ dataset: 'seattle', format: 'pdf', where: rainExpr }, 'rain.pdf', rain);
  assert.is(out.rows, RAINY);
  const bytes = readFileSync(path);
  assert.is(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(bytes.length > 1024, `${bytes.length} bytes`);
  assert.ok(
    bytes
      .subarray(bytes.length - 8)
      .toString('latin1')
      .includes('%%EOF'),
  );
});

test('an analysis exports as json (the result), csv (every section), xlsx, parquet (its main table) and pdf', async () => {
  const analysis = { analysis: 'group_by', group_by: ['weather'], aggregates: [{ fn: 'mean', column: 'temp_max' }] };
  const groups = new Set(lines.slice(1).map((l) => l.split(',').at(-1))).size;

  const json = await exportOf({ dataset: 'seattle', format: 'json', analysis }, 'gb.json');
  const result = JSON.parse(readFileSync(json.path, 'utf8'));
  assert.is(result.analysis, 'group_by');
  assert.is(result.groups.length, groups);

  const csv = await exportOf({ dataset: 'seattle', format: 'csv', analysis }, 'gb.csv');
  assert.is(csv.out.rows, groups);
  const blocks = readFileSync(csv.path, 'utf8').split('\r\n\r\n');
  assert.equal(
    blocks.map((b) => b.split('\r\n')[0]),
    ['# Summary', '# Groups', '# Metrics'],
  );
  assert.is(blocks[1].split('\r\n')[1], 'weather,Count,mean(temp_max),Withheld');
  assert.is(blocks[1].trim().split('\r\n').length, groups + 2);

  const parquet = await exportOf({ dataset: 'seattle', format: 'parquet', analysis }, 'gb.parquet');
  const pq = await readBack(parquet.path, 'parquet');
  assert.equal(pq.columns, ['weather', 'Count', 'mean(temp_max)', 'Withheld']);
  assert.is(pq.n, groups);

  const xlsx = await exportOf({ dataset: 'seattle', format: 'xlsx', analysis }, 'gb.xlsx');
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(xlsx.path);
  assert.is(book.getWorksheet('Groups')?.rowCount, groups + 1);

  for (const a of [
    analysis,
    { analysis: 'describe' },
    { analysis: 'correlation' },
    { analysis: 'linear_regression', target: 'temp_max', features: ['temp_min', 'wind'] },
    {
      analysis: 'logistic_regression',
      target: 'weather',
      positive: 'sun',
      features: ['temp_max', 'precipitation', 'wind'],
    },
    { analysis: 'kmeans', k: 3, features: ['temp_max', 'precipitation', 'wind'] },
  ]) {
    const pdf = await exportOf({ dataset: 'seattle', format: 'pdf', analysis: a }, `${a.analysis}.pdf`);
    const bytes = readFileSync(pdf.path);
    assert.is(bytes.subarray(0, 5).toString('latin1'), '%PDF-', a.analysis);
    assert.ok(bytes.length > 1024, `${a.analysis}: ${bytes.length} bytes`);
  }
});

test.after(() => tmp.cleanup());
test.run();
