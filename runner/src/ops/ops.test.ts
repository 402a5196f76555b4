// Ops 100 and 200 end to end on real files (paging, order, columns, policy), and op 400 without a hub.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ExportParams, FetchParams, FilterParams, type RowsResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from '../engine/engine.ts';
import { sqlString } from '../engine/sql.ts';
import { datasetConfig, openEngine, readWeather, runOp, SEATTLE_CSV, tempDir } from '../engine/test-data.ts';
import { TaskFailure } from '../errors.ts';
import { exportData } from './export.ts';
import { fetchRows } from './fetch.ts';
import { filterRows } from './filter.ts';

const weather = readWeather();
const VEGA = dirname(SEATTLE_CSV);
const dir = tempDir();
let engine: Engine;

test.before(async () => {
  // Every type the cell converter handles, written by DuckDB itself.
  const types = join(dir.path, 'types.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`COPY (SELECT
      9007199254740993::BIGINT AS big, 42::BIGINT AS small, 12.34::DECIMAL(10,2) AS dec,
      'hi'::BLOB AS bin, DATE '2016-02-29' AS d, TIMESTAMP '2016-02-29 13:45:06.5' AS ts, TIMESTAMPTZ '2016-02-29 13:45:06+00' AS tstz,
      [1, 2] AS list, {'a': 1, 'b': 'x'} AS obj, true AS flag, NULL::VARCHAR AS nothing, 'NaN'::DOUBLE AS nan, '12:30:00'::TIME AS t
    ) TO ${sqlString(types)} (FORMAT parquet)`);
  c.closeSync();
  db.closeSync();
  writeFileSync(
    join(dir.path, 'events.ndjson'),
    '{"id": 1, "kind": "a"}\n{"id": 2, "kind": "b"}\n{"id": 3, "kind": "a"}\n',
  );
  for (const part of [1, 2]) {
    const p = join(dir.path, `part-${part}.parquet`);
    const d = await DuckDBInstance.create(':memory:');
    const k = await d.connect();
    await k.run(`COPY (SELECT ${part} AS part, i FROM range(${part * 10}) t(i)) TO ${sqlString(p)} (FORMAT parquet)`);
    k.closeSync();
    d.closeSync();
  }
  engine = await openEngine([
    datasetConfig('unemployment', join(VEGA, 'unemployment.tsv'), { format: 'tsv' }),
    datasetConfig('penguins', join(VEGA, 'penguins.json'), { format: 'json' }),
    datasetConfig('events', join(dir.path, 'events.ndjson'), { format: 'ndjson' }),
    datasetConfig('parts', join(dir.path, 'part-*.parquet')),
    datasetConfig('weather', SEATTLE_CSV),
    datasetConfig('types', types),
    datasetConfig('capped', SEATTLE_CSV, { policy: { max_rows: 3 } }),
    datasetConfig('broken', join(dir.path, 'missing-*.csv')),
  ]);
});
test.after(() => {
  engine?.close();
  dir.remove();
});

const fetch = async (p: Record<string, unknown>) =>
  (await runOp(engine, fetchRows, 100, FetchParams.parse(p))) as RowsResult;
const failureOf = async (f: () => Promise<unknown>): Promise<TaskFailure> => {
  try {
    await f();
  } catch (e) {
    if (e instanceof TaskFailure) return e;
    throw e;
  }
  throw new Error('expected a task failure');
};

test('engine advertises schema and row count, never rows', () => {
  const info = engine.datasets().find((d) => d.name === 'weather')!;
  assert.is(info.row_count, weather.length);
  assert.equal(
    info.columns.map((c) => [c.name, c.kind]),
    [
      ['date', 'date'],
      ['precipitation', 'number'],
      ['temp_max', 'number'],
      ['temp_min', 'number'],
      ['wind', 'number'],
      ['weather', 'string'],
    ],
  );
  const broken = engine.datasets().find((d) => d.name === 'broken')!;
  assert.ok(broken.error, 'a dataset that cannot be opened is advertised with its error');
  assert.is(broken.row_count, null);
});

test('formats: TSV, JSON, NDJSON and a glob of Parquet files', async () => {
  const tsv = readFileSync(join(VEGA, 'unemployment.tsv'), 'utf8').trim().split('\n');
  const u = await fetch({ dataset: 'unemployment', limit: 1 });
  assert.is(u.total_rows, tsv.length - 1);
  assert.equal(u.rows[0], tsv[1].split('\t').map(Number));
  const penguins = JSON.parse(readFileSync(join(VEGA, 'penguins.json'), 'utf8')) as Record<string, unknown>[];
  const p = await fetch({ dataset: 'penguins', limit: 1, columns: ['Species', 'Island'] });
  assert.is(p.total_rows, penguins.length);
  assert.equal(p.rows[0], [penguins[0].Species, penguins[0].Island]);
  const e = (await runOp(
    engine,
    filterRows,
    200,
    FilterParams.parse({ dataset: 'events', where: { column: 'kind', op: '=', value: 'a' } }),
  )) as RowsResult;
  assert.equal(
    [e.total_rows, e.matched_rows, e.rows],
    [
      3,
      2,
      [
        [1, 'a'],
        [3, 'a'],
      ],
    ],
  );
  const parts = await fetch({ dataset: 'parts', limit: 1 });
  assert.is(parts.total_rows, 30, 'both files of the glob');
});

test('op 100: first page in file order, with total_rows', async () => {
  const progress: number[] = [];
  const r = (await runOp(engine, fetchRows, 100, FetchParams.parse({ dataset: 'weather', limit: 3 }), {
    progress,
  })) as RowsResult;
  assert.is(r.total_rows, weather.length);
  assert.is(r.offset, 0);
  assert.equal(
    r.columns.map((c) => c.name),
    ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather'],
  );
  assert.equal(r.rows[0], [
    weather[0].date,
    weather[0].precipitation,
    weather[0].temp_max,
    weather[0].temp_min,
    weather[0].wind,
    weather[0].weather,
  ]);
  assert.is(r.rows.length, 3);
  assert.ok(
    progress.length >= 2 && progress.every((p, i) => i === 0 || p >= progress[i - 1]),
    `progress rises: ${progress}`,
  );
});

test('op 100: paging through the whole file gives every row once', async () => {
  const seen: string[] = [];
  for (let offset = 0; offset < weather.length; offset += 500) {
    const r = await fetch({
      dataset: 'weather',
      columns: ['date'],
      limit: 500,
      offset,
      order_by: [{ column: 'date' }],
    });
    seen.push(...r.rows.map((x) => String(x[0])));
  }
  assert.equal(seen, weather.map((w) => w.date).sort());
});

test('op 100: order_by desc and column selection', async () => {
  const r = await fetch({
    dataset: 'weather',
    columns: ['weather', 'temp_max'],
    order_by: [{ column: 'temp_max', direction: 'desc' }, { column: 'date' }],
    limit: 2,
  });
  const hottest = [...weather].sort((a, b) => b.temp_max - a.temp_max || a.date.localeCompare(b.date));
  assert.equal(
    r.columns.map((c) => c.name),
    ['weather', 'temp_max'],
  );
  assert.equal(
    r.rows,
    hottest.slice(0, 2).map((w) => [w.weather, w.temp_max]),
  );
});

test('op 100: unknown columns in columns or order_by fail with unknown_column', async () => {
  assert.is((await failureOf(() => fetch({ dataset: 'weather', columns: ['temp'] }))).code, 'unknown_column');
  const f = await failureOf(() =>
    fetch({ dataset: 'weather', order_by: [{ column: 'date DESC; DROP VIEW weather' }] }),
  );
  assert.is(f.code, 'unknown_column');
});

test('missing or broken dataset: dataset_not_found', async () => {
  const f = await failureOf(() => fetch({ dataset: 'nope' }));
  assert.is(f.code, 'dataset_not_found');
  assert.match(f.message, /serves: unemployment, penguins, events, parts, weather, types, capped, broken/);
  assert.is((await failureOf(() => fetch({ dataset: 'broken' }))).code, 'dataset_not_found');
});

test('cells: big integers as strings, decimals as numbers, ISO dates, base64 blobs, nested as JSON text', async () => {
  const r = await fetch({ dataset: 'types' });
  const row = Object.fromEntries(r.columns.map((c, i) => [c.name, r.rows[0][i]]));
  assert.equal(row, {
    big: '9007199254740993',
    small: 42,
    dec: 12.34,
    bin: Buffer.from('hi').toString('base64'),
    d: '2016-02-29',
    ts: '2016-02-29T13:45:06.5',
    tstz: '2016-02-29T13:45:06Z',
    list: '[1,2]',
    obj: '{"a":1,"b":"x"}',
    flag: true,
    nothing: null,
    nan: 'NaN',
    t: '12:30:00',
  });
  const kinds = Object.fromEntries(r.columns.map((c) => [c.name, c.kind]));
  assert.equal(
    [kinds.big, kinds.dec, kinds.d, kinds.ts, kinds.tstz, kinds.flag, kinds.list],
    ['number', 'number', 'date', 'timestamp', 'timestamp', 'boolean', 'other'],
  );
});

test('cells: HUGEINT and UBIGINT beyond 2^53 stay exact as strings', async () => {
  const db = await engine.session(new AbortController().signal);
  try {
    const r = await db.query('SELECT 12345678901234567890::HUGEINT, 18446744073709551615::UBIGINT, -5::HUGEINT');
    assert.equal(r.rows[0], ['12345678901234567890', '18446744073709551615', -5]);
    // Inside lists and structs too: a 64-bit integer that fits a double is a number, a bigger one exact text.
    const n = await db.query("SELECT [1::BIGINT, 9007199254740993::BIGINT], {'age': 25::BIGINT, 'name': 'u0'}");
    assert.equal(n.rows[0], ['[1,"9007199254740993"]', '{"age":25,"name":"u0"}']);
  } finally {
    db.close();
  }
});

test('op 200: matched_rows, order and offset', async () => {
  const p = FilterParams.parse({
    dataset: 'weather',
    where: { column: 'weather', op: '=', value: 'snow' },
    order_by: [{ column: 'date', direction: 'desc' }],
    limit: 4,
    offset: 2,
    columns: ['date'],
  });
  const r = (await runOp(engine, filterRows, 200, p)) as RowsResult;
  const snow = weather
    .filter((w) => w.weather === 'snow')
    .map((w) => w.date)
    .sort()
    .reverse();
  assert.is(r.matched_rows, snow.length);
  assert.is(r.total_rows, weather.length);
  assert.is(r.offset, 2);
  assert.equal(
    r.rows.map((x) => x[0]),
    snow.slice(2, 6),
  );
});

test("the data owner's max_rows caps every page", async () => {
  const r = await fetch({ dataset: 'capped', limit: 100 });
  assert.is(r.rows.length, 3);
  assert.is(r.total_rows, weather.length);
});

test("op 400 without the hub's blob store fails clearly (exports end to end: scripts/e2e/blobs*.test.ts)", async () => {
  const e = await failureOf(() =>
    runOp(engine, exportData, 400, ExportParams.parse({ dataset: 'weather', format: 'csv' })),
  );
  assert.equal(
    [e.code, e.message],
    ['op_failed', "exports go to the hub's blob store, and this runner has no connection to a hub"],
  );
});

test.run();
