// A table and a view of a real SQLite file: schema, ops 100/200 pushed down and checked against JS, op 300 through a
// DuckDB temporary table, injection attempts, cancel of a runaway query, and `simpul-runner check`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterParams } from '@simpul/protocol';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Child } from '../connection/test-procs.ts';
import { filterRows } from '../ops/filter.ts';
import type { Engine } from './engine.ts';
import { INJECTION_COLUMN, openEngine, runOp, tempDir } from './test-data.ts';
import { describeCheck, fetch, filter, SOURCE_COLUMNS, sourceChecks, sourceRows } from './test-sources.ts';

const dir = tempDir('simpul-sqlite-test-');
const file = join(dir.path, 'weather.db');
const rows = sourceRows();
let engine: Engine;

test.before(async () => {
  const db = new Database(file);
  db.exec(`CREATE TABLE weather (id INTEGER PRIMARY KEY, date DATE, precipitation REAL, temp_max REAL, temp_min REAL, wind REAL,
    weather TEXT, ts DATETIME, wet BOOLEAN, maybe VARCHAR(20), "${INJECTION_COLUMN.replaceAll('"', '""')}" TEXT)`);
  const insert = db.prepare(`INSERT INTO weather VALUES (${SOURCE_COLUMNS.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const r of rows)
      insert.run(
        r.id,
        r.date,
        r.precipitation,
        r.temp_max,
        r.temp_min,
        r.wind,
        r.weather,
        r.ts.replace('T', ' '),
        r.wet ? 1 : 0,
        r.maybe,
        r.weather,
      );
  })();
  db.exec(`CREATE VIEW sunny AS SELECT id, weather, temp_max * 2 AS double_max FROM weather WHERE weather = 'sun';
    CREATE TABLE types (big INTEGER, bin BLOB, note TEXT);
    INSERT INTO types VALUES (9007199254740993, x'6869', 'a "quoted" note');
    CREATE TABLE nums (x INTEGER PRIMARY KEY);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) INSERT INTO nums SELECT x FROM c;
    CREATE TABLE ctl (n INTEGER); INSERT INTO ctl VALUES (1);
    CREATE VIEW slow AS SELECT a.x AS a, b.x AS b FROM nums a, nums b WHERE b.x <= (SELECT n FROM ctl);`);
  db.close();
  engine = await openEngine([
    { name: 'w', format: 'sqlite', path: file, table: 'weather' },
    { name: 'sunny', format: 'sqlite', path: file, table: 'SUNNY' },
    { name: 'types', format: 'sqlite', path: file, table: 'types' },
    { name: 'slow', format: 'sqlite', path: file, table: 'slow' },
    { name: 'missing', format: 'sqlite', path: file, table: 'nope' },
  ]);
});
test.after(async () => {
  await engine?.close();
  dir.remove();
});

test('sqlite: schema from declared types (views too), and the row count', () => {
  const info = Object.fromEntries(engine.datasets().map((d) => [d.name, d]));
  assert.is(info.w.row_count, rows.length);
  assert.is(info.w.format, 'sqlite');
  assert.equal(
    info.w.columns.map((c) => [c.name, c.type, c.kind]),
    [
      ['id', 'INTEGER', 'number'],
      ['date', 'DATE', 'date'],
      ['precipitation', 'REAL', 'number'],
      ['temp_max', 'REAL', 'number'],
      ['temp_min', 'REAL', 'number'],
      ['wind', 'REAL', 'number'],
      ['weather', 'TEXT', 'string'],
      ['ts', 'DATETIME', 'timestamp'],
      ['wet', 'BOOLEAN', 'boolean'],
      ['maybe', 'VARCHAR(20)', 'string'],
      [INJECTION_COLUMN, 'TEXT', 'string'],
    ],
  );
  assert.equal(
    info.sunny.columns.map((c) => [c.name, c.kind]),
    [
      ['id', 'number'],
      ['weather', 'string'],
      ['double_max', 'number'],
    ],
    'a computed column is typed by its values',
  );
  assert.is(info.sunny.row_count, rows.filter((r) => r.weather === 'sun').length);
  assert.match(
    info.missing.error ?? '',
    /no table or view "nope" in .*weather\.db; it has: ctl, nums, slow, sunny, types, weather/,
  );
});

sourceChecks(test, 'sqlite', () => engine, 'w');
describeCheck(test, 'sqlite', () => engine, 'w');

test('sqlite: cells: integers beyond 2^53 stay exact, blobs as base64', async () => {
  const r = await fetch(engine, 'types');
  assert.equal(r.rows, [['9007199254740993', Buffer.from('hi').toString('base64'), 'a "quoted" note']]);
});

test('sqlite: a view filters and pages like a table', async () => {
  const r = await filter(
    engine,
    'sunny',
    { column: 'double_max', op: '>', value: 60 },
    { order_by: [{ column: 'id', direction: 'desc' }], limit: 2 },
  );
  const hot = rows.filter((x) => x.weather === 'sun' && x.temp_max * 2 > 60).reverse();
  assert.is(r.matched_rows, hot.length);
  assert.equal(
    r.rows,
    hot.slice(0, 2).map((x) => [x.id, 'sun', x.temp_max * 2]),
  );
});

test('sqlite: cancel stops a runaway query in SQLite, and the event loop stays free meanwhile', async () => {
  const db = new Database(file);
  db.prepare('UPDATE ctl SET n = 100000').run(); // the view now has 10^10 rows
  db.close();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const controller = new AbortController();
  const reason = new Error('canceled by the test');
  const params = FilterParams.parse({ dataset: 'slow', where: { column: 'b', op: '=', value: -1 } });
  const running = runOp(engine, filterRows, 200, params, { signal: controller.signal }).then(
    () => 'finished',
    (e: unknown) => e,
  );
  await new Promise((r) => setTimeout(r, 500));
  controller.abort(reason);
  const outcome = await running;
  clearInterval(timer);
  assert.is(outcome, reason, 'the task ends with the reason it was stopped for');
  assert.ok(ticks > 0, 'timers ran while SQLite was busy');
  // The pool's worker is free again only if SQLite really stopped: this query would wait forever behind a live one.
  const after = await filter(engine, 'w', { column: 'weather', op: '=', value: 'snow' });
  assert.is(after.matched_rows, rows.filter((x) => x.weather === 'snow').length);
});

test('sqlite: `simpul-runner check` lists the columns and rows of a SQLite table', async () => {
  const config = join(dir.path, 'runner.yaml');
  writeFileSync(config, `hub: http://127.0.0.1:9\ndatasets:\n  - { name: w, path: weather.db, table: weather }\n`);
  const c = new Child('runner/src/cli.ts', ['check', '--config', config], {});
  await c.exited; // the hub in this config is not there, which check reports too; the datasets are what matter here
  assert.match(c.output, new RegExp(`\\bw\\b.*sqlite, ${rows.length} rows`), c.output);
  assert.match(c.output, /ts: DATETIME \(timestamp\)/);
  assert.match(c.output, /wet: BOOLEAN \(boolean\)/);
});

test.run();
