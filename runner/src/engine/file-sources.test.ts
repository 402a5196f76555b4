// Files read by DuckDB: a glob of Parquet files and a folder of them (written by DuckDB from real data), a folder of CSV
// files, and CSV options: delimiter, header, and column types overridden by the data owner.
import { mkdirSync, writeFileSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config.ts';
import type { Engine } from './engine.ts';
import { sqlString } from './sql.ts';
import { datasetConfig, INJECTION_COLUMN, openEngine, SEATTLE_CSV, tempDir } from './test-data.ts';
import { describeCheck, fetch, filter, sourceChecks, sourceRows } from './test-sources.ts';

const dir = tempDir('simpul-files-test-');
const rows = sourceRows();
let engine: Engine;

/** One Parquet file per year, columns as the shared checks expect, written by DuckDB. */
async function writeYears(folder: string): Promise<void> {
  mkdirSync(join(folder, 'zz-later'), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `CREATE TABLE w AS SELECT row_number() OVER () AS id, date, precipitation, temp_max, temp_min, wind, weather FROM read_csv(${sqlString(SEATTLE_CSV)})`,
  );
  for (const year of [2012, 2013, 2014, 2015]) {
    const out = join(folder, year === 2015 ? 'zz-later' : '', `weather-${year}.parquet`);
    await c.run(`COPY (
      SELECT id, date, precipitation, temp_max, temp_min, wind, weather, CAST(date AS TIMESTAMP) + to_hours(CAST(id % 24 AS BIGINT)) AS ts,
             precipitation > 0 AS wet, CASE WHEN id % 7 = 0 THEN NULL ELSE weather END AS maybe, weather AS ${`"${INJECTION_COLUMN.replaceAll('"', '""')}"`}
      FROM w WHERE year(date) = ${year} ORDER BY id
    ) TO ${sqlString(out)} (FORMAT parquet)`);
  }
  c.closeSync();
  db.closeSync();
}

test.before(async () => {
  // A glob over the top folder (2012–2014), and the folder itself (every year, the subfolder too).
  await writeYears(join(dir.path, 'years'));
  mkdirSync(join(dir.path, 'all'));
  await writeYears(join(dir.path, 'all'));
  // A folder of CSV files with a note that is not data.
  const [header, ...lines] = readFileSync(SEATTLE_CSV, 'utf8').trim().split('\n');
  mkdirSync(join(dir.path, 'csvs'));
  writeFileSync(join(dir.path, 'csvs', 'first.csv'), [header, ...lines.slice(0, 600)].join('\n'));
  writeFileSync(join(dir.path, 'csvs', 'second.csv'), [header, ...lines.slice(600)].join('\n'));
  writeFileSync(join(dir.path, 'csvs', 'README.txt'), 'not data');
  // Codes that inference reads as numbers, and a headerless semicolon file.
  writeFileSync(join(dir.path, 'codes.csv'), 'code,amount,day\n7,10,2024-01-31\n42,20,2024-02-29\n100,30,2024-03-01\n');
  writeFileSync(join(dir.path, 'raw.txt'), '007;1,5\n042;2,5\n');
  // A JSON export whose records disagree on a key's kind: id 1, "B-2", 3.5; and an object in another key.
  writeFileSync(
    join(dir.path, 'mixed.json'),
    JSON.stringify([
      { id: 1, tag: 'x', meta: { a: 1 } },
      { id: 'B-2', tag: 'y', meta: 7 },
      { id: 3.5, tag: null, meta: null },
    ]),
  );
  // A European export: semicolons, decimal commas, NA for a missing value (and "-" for one more).
  writeFileSync(join(dir.path, 'eu.csv'), 'id;weight;site\n1;70,5;east\n2;NA;-\n3;81,25;\n');
  mkdirSync(join(dir.path, 'codes'));
  writeFileSync(join(dir.path, 'codes', 'a.csv'), 'code,amount\n001,1\n');
  writeFileSync(join(dir.path, 'codes', 'b.csv'), 'code,amount\n002,2\n');

  const config = join(dir.path, 'runner.yaml');
  writeFileSync(
    config,
    `datasets:
  - { name: glob, path: years/weather-201*.parquet }
  - { name: folder, path: all }
  - { name: csvs, path: csvs }
  - { name: inferred, path: codes.csv }
  - { name: typed, path: codes.csv, columns: { code: VARCHAR, amount: DOUBLE, day: VARCHAR } }
  - { name: semicolons, path: raw.txt, format: csv, delimiter: ";", header: false, columns: { column0: VARCHAR } }
  - { name: typed-glob, path: "codes/*.csv", columns: { code: VARCHAR } }
  - { name: typo, path: codes.csv, columns: { cod: VARCHAR } }
  - { name: eu, path: eu.csv, decimal_separator: ",", null_values: [NA, "-"] }
  - { name: eu-plain, path: eu.csv }
  - { name: mixed, path: mixed.json }
`,
  );
  engine = await openEngine(loadConfig({ configPath: config, env: {} }).datasets);
});
test.after(async () => {
  await engine?.close();
  dir.remove();
});

test('files: a folder and a glob of Parquet files, formats from the extensions', () => {
  const info = Object.fromEntries(engine.datasets().map((d) => [d.name, d]));
  assert.equal([info.folder.format, info.folder.row_count], ['parquet', rows.length], 'every file, the subfolder too');
  assert.equal(
    [info.glob.format, info.glob.row_count],
    ['parquet', rows.filter((r) => r.date < '2015').length],
    'only what the glob matches',
  );
  assert.equal([info.csvs.format, info.csvs.row_count], ['csv', rows.length], 'both CSV files, and not the note');
});

sourceChecks(test, 'parquet folder', () => engine, 'folder');
describeCheck(test, 'parquet folder', () => engine, 'folder');

test('files: filters on a glob count only its files', async () => {
  const r = await filter(engine, 'glob', { column: 'weather', op: '=', value: 'snow' });
  assert.is(r.matched_rows, rows.filter((x) => x.date < '2015' && x.weather === 'snow').length);
  const c = await filter(engine, 'csvs', { column: 'weather', op: '=', value: 'snow' });
  assert.is(c.matched_rows, rows.filter((x) => x.weather === 'snow').length);
});

test('csv: types are inferred, and the owner overrides them per column', async () => {
  const kinds = (name: string) =>
    engine
      .datasets()
      .find((d) => d.name === name)!
      .columns.map((c) => `${c.name}:${c.type}`);
  assert.equal(kinds('inferred'), ['code:BIGINT', 'amount:BIGINT', 'day:DATE']);
  assert.is(
    (await filter(engine, 'inferred', { column: 'code', op: '<', value: '8' })).matched_rows,
    1,
    'numbers compare as numbers: 7',
  );
  assert.equal(kinds('typed'), ['code:VARCHAR', 'amount:DOUBLE', 'day:VARCHAR']);
  const typed = await fetch(engine, 'typed');
  assert.equal(typed.rows, [
    ['7', 10, '2024-01-31'],
    ['42', 20, '2024-02-29'],
    ['100', 30, '2024-03-01'],
  ]);
  assert.equal(
    typed.columns.map((c) => c.kind),
    ['string', 'number', 'string'],
  );
  assert.is(
    (await filter(engine, 'typed', { column: 'code', op: '<', value: '8' })).matched_rows,
    3,
    'text compares as text: "7", "42" and "100" sort before "8"',
  );
});

test('csv: delimiter and header options, and overrides on a glob', async () => {
  const s = await fetch(engine, 'semicolons');
  assert.equal(
    s.columns.map((c) => c.name),
    ['column0', 'column1'],
  );
  assert.equal(
    s.rows.map((r) => r[0]),
    ['007', '042'],
  );
  const g = await fetch(engine, 'typed-glob', { order_by: [{ column: 'code' }] });
  assert.equal(g.rows, [
    ['001', 1],
    ['002', 2],
  ]);
});

test('csv: decimal commas read as numbers, and the owner says which texts are missing values', async () => {
  const info = (name: string) => engine.datasets().find((d) => d.name === name)!;
  assert.equal(
    info('eu-plain').columns.map((c) => `${c.name}:${c.type}`),
    ['id:BIGINT', 'weight:VARCHAR', 'site:VARCHAR'],
    'without the options: text',
  );
  assert.equal(
    info('eu').columns.map((c) => `${c.name}:${c.type}`),
    ['id:BIGINT', 'weight:DOUBLE', 'site:VARCHAR'],
  );
  const all = await fetch(engine, 'eu', { order_by: [{ column: 'id' }] });
  // Only the listed texts are missing: the empty field is a text of its own once the list replaces the default.
  assert.equal(all.rows, [
    [1, 70.5, 'east'],
    [2, null, null],
    [3, 81.25, ''],
  ]);
  assert.is(
    (await filter(engine, 'eu', { column: 'weight', op: '>', value: 75 })).matched_rows,
    1,
    'compared as numbers',
  );
  assert.is((await filter(engine, 'eu', { column: 'weight', op: 'is_null' })).matched_rows, 1);
});

test('json: a key of mixed kinds reads as text, strings without their quotes, so filters find them', async () => {
  const info = engine.datasets().find((d) => d.name === 'mixed')!;
  assert.equal(
    info.columns.map((c) => `${c.name}:${c.type}:${c.kind}`),
    ['id:VARCHAR:string', 'tag:VARCHAR:string', 'meta:VARCHAR:string'],
  );
  const all = await fetch(engine, 'mixed');
  assert.equal(all.rows, [
    ['1', 'x', '{"a":1}'],
    ['B-2', 'y', '7'],
    ['3.5', null, null],
  ]);
  assert.is((await filter(engine, 'mixed', { column: 'id', op: '=', value: 'B-2' })).matched_rows, 1);
});

test('csv: an override for a column that does not exist is reported with close names', () => {
  const typo = engine.datasets().find((d) => d.name === 'typo')!;
  assert.match(typo.error ?? '', /columns: "cod" is not a column of .*codes\.csv; close names: code/);
});

test('csv: a file that changes between tasks is read again: rows added, same size rewritten, removed and restored', async () => {
  const path = join(dir.path, 'changing.csv');
  writeFileSync(path, 'id,site\n1,east\n2,west\n');
  const e = await openEngine([datasetConfig('changing', path)]);
  const east = async () => {
    const r = await filter(e, 'changing', { column: 'site', op: '=', value: 'east' });
    return [r.total_rows, r.matched_rows, r.rows];
  };
  try {
    assert.equal(await east(), [2, 1, [[1, 'east']]]);
    writeFileSync(path, 'id,site\n1,east\n2,west\n3,east\n');
    assert.equal(await east(), [
      3,
      2,
      [
        [1, 'east'],
        [3, 'east'],
      ],
    ]);
    // The same size: only the times tell (set apart here, as two writes within one clock tick may share an mtime).
    writeFileSync(path, 'id,site\n1,west\n2,east\n3,east\n');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    assert.equal(await east(), [
      3,
      2,
      [
        [2, 'east'],
        [3, 'east'],
      ],
    ]);
    rmSync(path);
    try {
      await east();
      assert.unreachable('a removed file fails the task');
    } catch (err) {
      assert.match(String((err as Error).message), /changing\.csv|No files found/);
    }
    writeFileSync(path, 'id,site\n4,east\n');
    assert.equal(await east(), [1, 1, [[4, 'east']]]);
  } finally {
    await e.close();
  }
});

test.run();
