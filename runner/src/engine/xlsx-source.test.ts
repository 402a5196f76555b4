// Excel workbooks written here (two sheets: a title above the header, dates, date-times, decimals, booleans, a formula, an
// empty header cell) and read through the real engine; expected values are the ones written. The conversion is cached as
// Parquet and redone when the workbook changes.
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cell } from '@simpul/protocol';
import type { Engine } from './engine.ts';
import { datasetConfig, openEngine, tempDir } from './test-data.ts';

const dir = tempDir('simpul-xlsx-');
const cache = tempDir('simpul-xlsx-cache-');
const book = join(dir.path, 'clinic.xlsx');
let engine: Engine;

const utcDate = (s: string) => new Date(`${s}T00:00:00Z`);
// id, patient, visit (date), seen_at (date-time), weight (decimal), smoker (boolean)
const VISITS: [number, string, string, string, number, boolean][] = [
  [1, 'Ana', '2024-01-15', '2024-01-15 09:30:00', 61.5, false],
  [2, 'Bo', '2024-02-29', '2024-02-29 14:05:00', 82.25, true],
  [3, 'Chloé', '2024-12-31', '2024-12-31 23:59:00', 70, false],
];
const SITES: [string, number, number][] = [
  ['north', 12, 3],
  ['south', 30, 4],
];

async function writeBook(extraVisit?: (typeof VISITS)[number]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const visits = wb.addWorksheet('Visits');
  visits.addRow(['Clinic visits, 2024']); // a title above the header
  visits.addRow([]);
  visits.addRow(['id', 'patient', 'visit', 'seen_at', 'weight', 'smoker', 'double_weight']);
  for (const [id, patient, visit, seen, weight, smoker] of extraVisit ? [...VISITS, extraVisit] : VISITS) {
    const row = visits.addRow([id, patient, utcDate(visit), new Date(`${seen.replace(' ', 'T')}Z`), weight, smoker]);
    row.getCell(7).value = { formula: `E${row.number}*2`, result: weight * 2 };
  }
  const sites = wb.addWorksheet('Sites');
  sites.addRow(['site', 'beds', '']); // an empty header cell
  for (const s of SITES) sites.addRow(s);
  await wb.xlsx.writeFile(book);
}

test.before(async () => {
  await writeBook();
  engine = await openEngine(
    [
      datasetConfig('visits', book),
      datasetConfig('sites', book, { sheet: 'Sites' }),
      datasetConfig('nosheet', book, { sheet: 'Budget' }),
    ],
    cache.path,
  );
});

test.after(async () => {
  await engine?.close();
  dir.remove();
  cache.remove();
});

async function readAll(name: string): Promise<Cell[][]> {
  const db = await engine.session(new AbortController().signal);
  try {
    const rel = await engine.dataset(name).relation(db, []);
    return (await db.query(`SELECT * FROM ${rel.relation}`)).rows;
  } finally {
    db.close();
  }
}

test('the first sheet by default: header found below a title, types from the cells, dates as dates', async () => {
  const info = engine.datasets().find((d) => d.name === 'visits')!;
  assert.is(info.error, undefined, info.error);
  assert.is(info.format, 'xlsx');
  assert.equal(
    info.columns.map((c) => [c.name, c.type]),
    [
      ['id', 'BIGINT'],
      ['patient', 'VARCHAR'],
      ['visit', 'DATE'],
      ['seen_at', 'TIMESTAMP'],
      ['weight', 'DOUBLE'],
      ['smoker', 'BOOLEAN'],
      ['double_weight', 'DOUBLE'],
    ],
  );
  assert.is(info.row_count, VISITS.length);
  const rows = await readAll('visits');
  assert.equal(
    rows.map((r) => [r[0], r[1], r[4], r[5], r[6]]),
    VISITS.map(([id, p, , , w, s]) => [id, p, w, s, w * 2]),
  );
  const db = await engine.session(new AbortController().signal);
  try {
    const r = await db.query(
      'SELECT CAST(visit AS VARCHAR), CAST(seen_at AS VARCHAR), sum(weight) OVER () FROM visits ORDER BY id',
    );
    assert.equal(
      r.rows.map((x) => [x[0], x[1]]),
      VISITS.map((v) => [v[2], v[3]]),
    );
    assert.ok(Math.abs(Number(r.rows[0][2]) - VISITS.reduce((s, v) => s + v[4], 0)) < 1e-9);
  } finally {
    db.close();
  }
  assert.ok(
    info.warnings?.some((w) => /^1 row above the header skipped \(sheet row 1\)$/.test(w)),
    JSON.stringify(info.warnings),
  );
  assert.match(engine.dataset('visits').dialect ?? '', /sheet "Visits", header in row 3/);
});

test('another sheet by name; an empty header name is filled in and reported', async () => {
  const info = engine.datasets().find((d) => d.name === 'sites')!;
  assert.equal(
    info.columns.map((c) => [c.name, c.type]),
    [
      ['site', 'VARCHAR'],
      ['beds', 'BIGINT'],
      ['column2', 'BIGINT'],
    ],
  );
  assert.equal(await readAll('sites'), SITES);
  assert.ok(
    info.warnings?.some((w) => w.includes('(empty) → "column2"')),
    JSON.stringify(info.warnings),
  );
});

test('a sheet that is not there: the error names the sheets there are', () => {
  const info = engine.datasets().find((d) => d.name === 'nosheet')!;
  assert.match(info.error ?? '', /no sheet "Budget" in .*clinic\.xlsx; its sheets are: Visits, Sites/);
});

test('converted once to Parquet, and again when the workbook changes', async () => {
  const home = join(cache.path, 'xlsx');
  assert.ok(readdirSync(home).length >= 2); // one folder per dataset (workbook and sheet)
  await writeBook([4, 'Dara', '2025-03-01', '2025-03-01 08:00:00', 55.5, true]);
  const later = new Date(Date.now() + 5000);
  utimesSync(book, later, later);
  const rows = await readAll('visits');
  assert.is(rows.length, 4);
  assert.equal(rows[3].slice(0, 2), [4, 'Dara']);
});

test.run();
