// A table and a view of a real PostgreSQL database (in a schema this test creates and drops): schema from the catalog,
// ops 100/200 pushed down and checked against JS, op 300 through a DuckDB temporary table, injection attempts,
// the pushed-down WHERE seen in pg_stat_activity, cancel that stops the server's query, and a read-only session.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisParams, FilterParams } from '@simpul/protocol';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config.ts';
import { until } from '../connection/test-procs.ts';
import { silentLogger } from '../log.ts';
import { analyse } from '../ops/analysis.ts';
import { filterRows } from '../ops/filter.ts';
import type { Engine } from './engine.ts';
import { PgLink } from './postgres-link.ts';
import { INJECTION_COLUMN, openEngine, runOp, tempDir } from './test-data.ts';
import { describeCheck, failure, fetch, SOURCE_COLUMNS, sourceChecks, sourceRows } from './test-sources.ts';

const URL = process.env.SIMPUL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `simpul_sources_${process.pid}_${Date.now().toString(36)}`;
const dir = tempDir('simpul-pg-test-');
const rows = sourceRows();
const admin = new pg.Client(URL);
let engine: Engine;

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;

test.before(async () => {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${q(schema)}; SET search_path TO ${q(schema)}`);
  await admin.query(`CREATE TABLE weather (id integer PRIMARY KEY, date date, precipitation double precision, temp_max numeric, temp_min real,
    wind double precision, weather text, ts timestamp, wet boolean, maybe varchar(20), ${q(INJECTION_COLUMN)} text)`);
  const values = rows.map(
    (_, i) => `(${SOURCE_COLUMNS.map((__, j) => `$${i * SOURCE_COLUMNS.length + j + 1}`).join(', ')})`,
  );
  // Stored in shuffled order: pages without an order_by must still follow the primary key.
  const shuffled = [...rows].sort((a, b) => ((a.id * 7919) % 1461) - ((b.id * 7919) % 1461));
  await admin.query(
    `INSERT INTO weather VALUES ${values.join(', ')}`,
    shuffled.flatMap((r) => [
      r.id,
      r.date,
      r.precipitation,
      r.temp_max,
      r.temp_min,
      r.wind,
      r.weather,
      r.ts,
      r.wet,
      r.maybe,
      r.weather,
    ]),
  );
  await admin.query(`CREATE VIEW sunny AS SELECT id, weather, temp_max * 2 AS double_max FROM weather WHERE weather = 'sun';
    CREATE TYPE mood AS ENUM ('calm', 'stormy');
    CREATE TABLE types (big int8, tstz timestamptz, bin bytea, js jsonb, u uuid, m mood, n numeric, arr int[]);
    INSERT INTO types VALUES (9007199254740993, '2016-02-29 13:45:06+02', '\\x6869', '{"a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'stormy', 'NaN', '{1,2}');
    CREATE TABLE nums (x int PRIMARY KEY); INSERT INTO nums SELECT generate_series(1, 100000);
    CREATE TABLE ctl (n int); INSERT INTO ctl VALUES (1);
    CREATE VIEW slow AS SELECT a.x AS id, md5((a.x::int8 * 100000 + b.x)::text) AS h FROM nums a, nums b WHERE b.x <= (SELECT n FROM ctl);`);
  // The connection string comes from the environment, as a data owner would keep it out of the config file.
  const config = join(dir.path, 'runner.yaml');
  const ds = (name: string, table: string) =>
    `  - { name: ${name}, format: postgres, connection_env: SIMPUL_TEST_PGURL, table: "${schema}.${table}" }\n`;
  writeFileSync(
    config,
    `datasets:\n${ds('w', 'weather')}${ds('sunny', 'sunny')}${ds('types', 'types')}${ds('slow', 'slow')}${ds('missing', 'nope')}`,
  );
  const c = loadConfig({ configPath: config, env: { SIMPUL_TEST_PGURL: URL } });
  engine = await openEngine(c.datasets);
});
test.after(async () => {
  await engine?.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`).catch(() => {});
  await admin.end();
  dir.remove();
});

test('postgres: schema from the catalog (views too), and the row count', () => {
  const info = Object.fromEntries(engine.datasets().map((d) => [d.name, d]));
  assert.is(info.w.row_count, rows.length);
  assert.equal(
    info.w.columns.map((c) => [c.name, c.type, c.kind]),
    [
      ['id', 'integer', 'number'],
      ['date', 'date', 'date'],
      ['precipitation', 'double precision', 'number'],
      ['temp_max', 'numeric', 'number'],
      ['temp_min', 'real', 'number'],
      ['wind', 'double precision', 'number'],
      ['weather', 'text', 'string'],
      ['ts', 'timestamp without time zone', 'timestamp'],
      ['wet', 'boolean', 'boolean'],
      ['maybe', 'character varying(20)', 'string'],
      [INJECTION_COLUMN, 'text', 'string'],
    ],
  );
  assert.equal(
    info.sunny.columns.map((c) => [c.name, c.kind]),
    [
      ['id', 'number'],
      ['weather', 'string'],
      ['double_max', 'number'],
    ],
  );
  assert.equal(
    info.types.columns.map((c) => c.kind),
    ['number', 'timestamp', 'other', 'other', 'other', 'string', 'number', 'other'],
  );
  assert.match(
    info.missing.error ?? '',
    new RegExp(`no table or view "${schema}\\.nope" in that database; it has: .*${schema}\\.ctl`),
  );
});

sourceChecks(test, 'postgres', () => engine, 'w');
describeCheck(test, 'postgres', () => engine, 'w');

test('postgres: cells: int8 beyond 2^53 exact, timestamptz in UTC, bytea as base64, JSON, enums, NaN', async () => {
  const r = await fetch(engine, 'types');
  assert.equal(r.rows, [
    [
      '9007199254740993',
      '2016-02-29T11:45:06Z',
      Buffer.from('hi').toString('base64'),
      '{"a": [1, 2]}',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'stormy',
      'NaN',
      '{1,2}',
    ],
  ]);
  const e = await runOp(
    engine,
    filterRows,
    200,
    FilterParams.parse({ dataset: 'types', where: { column: 'm', op: 'in', value: ['stormy', 'windy'] } }),
  );
  assert.is((e as { matched_rows: number }).matched_rows, 1, 'an enum compares with text values');
});

test('postgres: only the matching rows travel to the runner for an analysis', async () => {
  const db = await engine.session(new AbortController().signal);
  try {
    const rel = await engine.dataset('w').relation(db, [
      { column: 'weather', op: '=', value: 'snow' },
      { column: 'date', op: '>=', value: '2013-01-01' },
    ]);
    assert.is(rel.where, undefined, 'the filter already ran in PostgreSQL');
    const loaded = Number(await db.scalar(`SELECT COUNT(*) FROM ${rel.relation}`));
    assert.is(loaded, rows.filter((r) => r.weather === 'snow' && r.date >= '2013-01-01').length);
    assert.ok(loaded < rows.length / 10);
  } finally {
    db.close();
  }
});

/** The runner's queries PostgreSQL is running now: op 200 counts with the WHERE; op 300 fetches from a cursor over it. */
const activeQueries = async (like: string): Promise<string[]> =>
  (
    await admin.query(
      "SELECT query FROM pg_stat_activity WHERE application_name = 'simpul-runner' AND state = 'active' AND query LIKE $1",
      [like],
    )
  ).rows.map((r) => String(r.query));

for (const op of [200, 300] as const) {
  test(`postgres: op ${op}: the WHERE runs in PostgreSQL, and cancel stops the server's query`, async () => {
    await admin.query(`UPDATE ${q(schema)}.ctl SET n = 100000`); // the view now has 10^10 rows
    const controller = new AbortController();
    const reason = new Error('canceled by the test');
    const where = { column: 'h', op: 'contains', value: 'simpul' } as const;
    const running = (
      op === 200
        ? runOp(engine, filterRows, 200, FilterParams.parse({ dataset: 'slow', where }), { signal: controller.signal })
        : runOp(engine, analyse, 300, AnalysisParams.parse({ dataset: 'slow', analysis: 'describe', where }), {
            signal: controller.signal,
          })
    ).then(
      () => 'finished',
      (e: unknown) => e,
    );
    const like = op === 200 ? '%COUNT(*) FILTER (WHERE%' : 'FETCH % FROM simpul_rows';
    const seen = await until('the query to run in PostgreSQL', async () => (await activeQueries(like))[0], 60_000);
    if (op === 200) {
      assert.match(
        seen,
        /WHERE \(strpos\(lower\(CAST\("h" AS text\)\), lower\(CAST\(\$1 AS text\)\)\) > 0\)/,
        'the filter is in the SQL PostgreSQL runs',
      );
      assert.not.match(seen, /'simpul'/, 'the value travels as a parameter');
    }
    controller.abort(reason);
    assert.is(await running, reason, 'the task ends with the reason it was stopped for');
    await until('PostgreSQL to stop the query', async () => (await activeQueries(like)).length === 0, 60_000);
    await admin.query(`UPDATE ${q(schema)}.ctl SET n = 1`);
  });
}

test('postgres: the runner reads in read-only sessions', async () => {
  const link = new PgLink(URL, silentLogger);
  try {
    const f = await failure(() =>
      link.all(`CREATE TABLE ${q(schema)}.written (a int)`, [], new AbortController().signal),
    );
    assert.match(f.message, /read-only transaction/);
  } finally {
    await link.close();
  }
});

test.run();
