// The filter compiler on real DuckDB over real files; every count is checked against the same rule applied in JS.
import { FilterParams, type FilterExpr, type RowsResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskFailure } from '../errors.ts';
import { filterRows } from '../ops/filter.ts';
import type { Engine } from './engine.ts';
import { compileFilter } from './filter-sql.ts';
import { pageSql } from './row-query.ts';
import { duckdb } from './sql-dialect.ts';
import {
  INJECTION_COLUMN,
  datasetConfig,
  openEngine,
  readWeather,
  runOp,
  SEATTLE_CSV,
  tempDir,
  type WeatherRow,
  writeWeatherParquet,
} from './test-data.ts';

const rows = readWeather();
const dir = tempDir();
let engine: Engine;

test.before(async () => {
  const parquet = await writeWeatherParquet(dir.path);
  engine = await openEngine([datasetConfig('weather', SEATTLE_CSV), datasetConfig('wx', parquet)]);
});
test.after(() => {
  engine?.close();
  dir.remove();
});

async function filter(dataset: string, where: FilterExpr, extra: Record<string, unknown> = {}): Promise<RowsResult> {
  const params = FilterParams.parse({ dataset, where, limit: 5, ...extra });
  return (await runOp(engine, filterRows, 200, params)) as RowsResult;
}

async function failure(dataset: string, where: FilterExpr): Promise<TaskFailure> {
  try {
    await filter(dataset, where);
  } catch (e) {
    if (e instanceof TaskFailure) return e;
    throw e;
  }
  throw new Error('the filter should have failed');
}

const count = (pred: (r: WeatherRow) => boolean) => rows.filter(pred).length;
// The Parquet twin's extra columns, derived in JS the same way the COPY derived them.
const hourOf = (r: WeatherRow) => r.id % 24;
const tsOf = (r: WeatherRow) => `${r.date}T${String(hourOf(r)).padStart(2, '0')}:00:00`;
const maybeOf = (r: WeatherRow) => (r.id % 7 === 0 ? null : r.weather);

const cases: [string, FilterExpr, (r: WeatherRow) => boolean][] = [
  ['=', { column: 'weather', op: '=', value: 'rain' }, (r) => r.weather === 'rain'],
  ['!=', { column: 'weather', op: '!=', value: 'sun' }, (r) => r.weather !== 'sun'],
  ['>', { column: 'precipitation', op: '>', value: 10 }, (r) => r.precipitation > 10],
  ['>= with a numeric string', { column: 'temp_max', op: '>=', value: '30.6' }, (r) => r.temp_max >= 30.6],
  ['<', { column: 'temp_min', op: '<', value: 0 }, (r) => r.temp_min < 0],
  ['<=', { column: 'wind', op: '<=', value: 1.5 }, (r) => r.wind <= 1.5],
  [
    'between numbers',
    { column: 'temp_max', op: 'between', value: [20, 30] },
    (r) => r.temp_max >= 20 && r.temp_max <= 30,
  ],
  [
    'in',
    { column: 'weather', op: 'in', value: ['fog', 'drizzle'] },
    (r) => r.weather === 'fog' || r.weather === 'drizzle',
  ],
  [
    'not_in',
    { column: 'weather', op: 'not_in', value: ['rain', 'sun'] },
    (r) => r.weather !== 'rain' && r.weather !== 'sun',
  ],
  ['contains is case-insensitive', { column: 'weather', op: 'contains', value: 'RI' }, (r) => r.weather.includes('ri')],
  ['contains treats % and _ literally', { column: 'weather', op: 'contains', value: '%' }, () => false],
  ['starts_with', { column: 'weather', op: 'starts_with', value: 's' }, (r) => r.weather.startsWith('s')],
  [
    'date range',
    {
      and: [
        { column: 'date', op: '>=', value: '2015-01-01' },
        { column: 'date', op: '<', value: '2015-02-01' },
      ],
    },
    (r) => r.date >= '2015-01-01' && r.date < '2015-02-01',
  ],
  ['date =', { column: 'date', op: '=', value: '2013-07-04' }, (r) => r.date === '2013-07-04'],
  [
    'date between',
    { column: 'date', op: 'between', value: ['2012-12-24', '2013-01-02'] },
    (r) => r.date >= '2012-12-24' && r.date <= '2013-01-02',
  ],
  [
    'date in',
    { column: 'date', op: 'in', value: ['2012-01-01', '2014-02-28', '2016-02-29'] },
    (r) => ['2012-01-01', '2014-02-28', '2016-02-29'].includes(r.date),
  ],
  [
    'contains on a date (as text)',
    { column: 'date', op: 'contains', value: '-02-29' },
    (r) => r.date.endsWith('-02-29'),
  ],
  [
    'nested and / or / not',
    {
      or: [
        {
          and: [{ column: 'weather', op: '=', value: 'rain' }, { not: { column: 'precipitation', op: '<', value: 5 } }],
        },
        {
          and: [
            { column: 'weather', op: '=', value: 'snow' },
            { column: 'temp_min', op: '<=', value: -2 },
          ],
        },
      ],
    },
    (r) => (r.weather === 'rain' && !(r.precipitation < 5)) || (r.weather === 'snow' && r.temp_min <= -2),
  ],
  [
    'not of or',
    {
      not: {
        or: [
          { column: 'weather', op: '=', value: 'sun' },
          { column: 'wind', op: '>', value: 4 },
        ],
      },
    },
    (r) => !(r.weather === 'sun' || r.wind > 4),
  ],
  ['empty and matches all', { and: [] }, () => true],
  ['empty or matches none', { or: [] }, () => false],
];

for (const [name, where, pred] of cases) {
  test(`csv: ${name}`, async () => {
    const r = await filter('weather', where);
    assert.is(r.total_rows, rows.length);
    assert.is(r.matched_rows, count(pred), `matched_rows for ${JSON.stringify(where)}`);
    assert.is(r.rows.length, Math.min(5, count(pred)));
  });
}

test('parquet: timestamps compare as timestamps', async () => {
  const where: FilterExpr = {
    and: [
      { column: 'ts', op: '>=', value: '2014-03-01T12:00:00' },
      { column: 'ts', op: '<', value: '2014-03-08 06:00' },
    ],
  };
  const r = await filter('wx', where, { columns: ['id', 'ts'] });
  const want = rows.filter((x) => tsOf(x) >= '2014-03-01T12:00:00' && tsOf(x) < '2014-03-08T06:00:00');
  assert.is(r.matched_rows, want.length);
  assert.equal(r.rows[0], [want[0].id, tsOf(want[0])], 'timestamps come back as ISO strings');
});

test('parquet: is_null, not_null, booleans and != with NULLs (three-valued logic)', async () => {
  assert.is(
    (await filter('wx', { column: 'maybe', op: 'is_null' })).matched_rows,
    count((r) => maybeOf(r) === null),
  );
  assert.is(
    (await filter('wx', { column: 'maybe', op: 'not_null' })).matched_rows,
    count((r) => maybeOf(r) !== null),
  );
  assert.is(
    (await filter('wx', { column: 'maybe', op: '!=', value: 'rain' })).matched_rows,
    count((r) => maybeOf(r) !== null && maybeOf(r) !== 'rain'),
  );
  assert.is(
    (await filter('wx', { not: { column: 'maybe', op: 'is_null' } })).matched_rows,
    count((r) => maybeOf(r) !== null),
  );
  assert.is(
    (await filter('wx', { column: 'wet', op: '=', value: true })).matched_rows,
    count((r) => r.precipitation > 0),
  );
  assert.is(
    (await filter('wx', { column: 'wet', op: '=', value: 'false' })).matched_rows,
    count((r) => r.precipitation === 0),
  );
  assert.is(
    (await filter('wx', { column: 'id', op: 'in', value: ['7', 14, '1000000'] })).matched_rows,
    2,
    'integer strings compare with a BIGINT',
  );
});

test('injection in a column name: unknown_column, nothing executed', async () => {
  for (const column of [INJECTION_COLUMN, 'weather" OR 1=1 --', 'weather"; DROP VIEW "weather"; --']) {
    const f = await failure('weather', { column, op: '=', value: 'rain' });
    assert.is(f.code, 'unknown_column');
    assert.ok(f.message.includes('is not in dataset "weather"'), f.message);
  }
  // Hidden in a nested branch, and in order_by / columns, too.
  const nested = await failure('weather', {
    or: [{ column: 'weather', op: '=', value: 'rain' }, { not: { column: 'a") OR ("1"="1', op: 'is_null' } }],
  });
  assert.is(nested.code, 'unknown_column');
  // The view is untouched.
  assert.is((await filter('weather', { and: [] })).total_rows, rows.length);
});

test('injection in a value: bound as a parameter, zero matches', async () => {
  for (const value of ["' OR 1=1 --", "rain' OR '1'='1", "rain'); DROP VIEW weather; --"]) {
    assert.is((await filter('weather', { column: 'weather', op: '=', value })).matched_rows, 0);
    assert.is((await filter('weather', { column: 'weather', op: 'contains', value })).matched_rows, 0);
    assert.is((await filter('weather', { column: 'weather', op: 'in', value: [value, 'x'] })).matched_rows, 0);
  }
  assert.is((await filter('weather', { and: [] })).total_rows, rows.length);
});

test('a real column with an injection-like name is quoted safely and filters by value', async () => {
  const r = await filter(
    'wx',
    { column: INJECTION_COLUMN, op: '=', value: 'fog' },
    { columns: ['id', INJECTION_COLUMN] },
  );
  assert.is(
    r.matched_rows,
    count((x) => x.weather === 'fog'),
  );
  assert.equal(
    r.columns.map((c) => c.name),
    ['id', INJECTION_COLUMN],
  );
  assert.is((await filter('wx', { column: INJECTION_COLUMN, op: '=', value: "' OR 1=1 --" })).matched_rows, 0);
});

test('unknown column: the message names it and lists close names', async () => {
  const f = await failure('weather', { column: 'wether', op: '=', value: 'rain' });
  assert.is(f.code, 'unknown_column');
  assert.match(f.message, /column "wether" is not in dataset "weather"; close names: weather/);
  const g = await failure('weather', { column: 'zzz', op: 'is_null' });
  assert.match(g.message, /its columns are: date, precipitation, temp_max, temp_min, wind, weather/);
});

test('a value that is not a date fails the task with invalid_params', async () => {
  const f = await failure('weather', { column: 'date', op: '>', value: 'last tuesday' });
  assert.is(f.code, 'invalid_params');
  const g = await failure('weather', { column: 'date', op: '>', value: 20150101 });
  assert.is(g.code, 'invalid_params');
  assert.match(g.message, /date string/);
});

test('compiled SQL holds placeholders, never values', () => {
  const cols = [
    { name: 'weather', type: 'VARCHAR', kind: 'string' as const },
    { name: 'date', type: 'DATE', kind: 'date' as const },
  ];
  const c = compileFilter(
    {
      and: [
        { column: 'weather', op: 'in', value: ["' OR 1=1 --", 'b'] },
        { column: 'date', op: 'between', value: ['2015-01-01', '2015-12-31'] },
      ],
    },
    cols,
    'w',
    3,
  );
  assert.is(
    c.sql,
    '(("weather" IN (CAST($3 AS VARCHAR), CAST($4 AS VARCHAR))) AND ("date" BETWEEN CAST($5 AS DATE) AND CAST($6 AS DATE)))',
  );
  assert.equal(c.params, ["' OR 1=1 --", 'b', '2015-01-01', '2015-12-31']);
});

test('a page: filter values bound, limit and offset written in only as checked integers, an offset of 0 left out', () => {
  const cols = [{ name: 'weather', type: 'VARCHAR', kind: 'string' as const }];
  const where: FilterExpr = { column: 'weather', op: '=', value: 'sun' };
  const s = pageSql('w', cols, 'v', duckdb, { where, limit: 20, offset: 40 });
  assert.is(s.sql, 'SELECT "weather" FROM v WHERE ("weather" = CAST($1 AS VARCHAR)) LIMIT 20 OFFSET 40');
  assert.equal(s.params, ['sun']);
  assert.is(
    pageSql('w', cols, 'v', duckdb, { limit: 1, offset: 0 }).sql,
    'SELECT "weather" FROM v LIMIT 1',
    'no OFFSET 0',
  );
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 60, '1; DROP TABLE t' as unknown as number])
    assert.throws(() => pageSql('w', cols, 'v', duckdb, { limit: bad, offset: 0 }), /not a row count/, String(bad));
  assert.throws(() => pageSql('w', cols, 'v', duckdb, { limit: 1, offset: -5 }), /not a row count/);
});

test.run();
