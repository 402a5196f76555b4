// Test support for the data sources: the Seattle weather rows with extra columns, loaded into each kind of source, and
// filter cases whose expected counts are computed in JS from the same rows.
import {
  AnalysisParams,
  type DescribeResult,
  FetchParams,
  FilterParams,
  type FilterExpr,
  type RowsResult,
} from '@simpul/protocol';
import * as assert from 'uvu/assert';
import { TaskFailure } from '../errors.ts';
import { analyse } from '../ops/analysis.ts';
import { fetchRows } from '../ops/fetch.ts';
import { filterRows } from '../ops/filter.ts';
import type { Engine } from './engine.ts';
import { INJECTION_COLUMN, readWeather, runOp, type WeatherRow } from './test-data.ts';

/** A weather row with the extra columns every source test loads: a timestamp, a boolean, a column with NULLs. */
export interface SourceRow extends WeatherRow {
  ts: string; // date + (id % 24) hours, ISO without zone
  wet: boolean; // precipitation > 0
  maybe: string | null; // weather, NULL when id % 7 = 0
}

export function sourceRows(): SourceRow[] {
  return readWeather().map((r) => ({
    ...r,
    ts: `${r.date}T${String(r.id % 24).padStart(2, '0')}:00:00`,
    wet: r.precipitation > 0,
    maybe: r.id % 7 === 0 ? null : r.weather,
  }));
}

/** The columns in load order; the last one's name is an injection attempt (its values: weather). */
export const SOURCE_COLUMNS = [
  'id',
  'date',
  'precipitation',
  'temp_max',
  'temp_min',
  'wind',
  'weather',
  'ts',
  'wet',
  'maybe',
  INJECTION_COLUMN,
] as const;

/** A row's values in SOURCE_COLUMNS order, as the cells ops 100/200 should return. */
export const cellsOf = (r: SourceRow) => [
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
];

export const FILTER_CASES: [string, FilterExpr, (r: SourceRow) => boolean][] = [
  ['=', { column: 'weather', op: '=', value: 'rain' }, (r) => r.weather === 'rain'],
  [
    '!= (NULLs match neither)',
    { column: 'maybe', op: '!=', value: 'rain' },
    (r) => r.maybe !== null && r.maybe !== 'rain',
  ],
  ['> number', { column: 'precipitation', op: '>', value: 10 }, (r) => r.precipitation > 10],
  ['>= numeric string', { column: 'temp_max', op: '>=', value: '30.6' }, (r) => r.temp_max >= 30.6],
  ['< negative', { column: 'temp_min', op: '<', value: 0 }, (r) => r.temp_min < 0],
  ['<= decimal', { column: 'wind', op: '<=', value: 1.5 }, (r) => r.wind <= 1.5],
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
  [
    'in with integer strings',
    { column: 'id', op: 'in', value: ['7', 14, '1000000'] },
    (r) => r.id === 7 || r.id === 14,
  ],
  [
    'whole numbers beyond 2^53',
    {
      or: [
        { column: 'id', op: '>', value: 5e21 },
        { column: 'precipitation', op: '<', value: -1e300 },
        // biome-ignore lint/correctness/noPrecisionLoss: past 2^53 on purpose (the filter must still compare it)
        { column: 'id', op: '<', value: -9007199254740993 },
      ],
    },
    () => false,
  ],
  [
    'a whole number beyond 2^53 as the upper bound',
    { column: 'id', op: 'between', value: [1400, 1e20] },
    (r) => r.id >= 1400,
  ],
  ['contains is case-insensitive', { column: 'weather', op: 'contains', value: 'RI' }, (r) => r.weather.includes('ri')],
  ['contains takes % literally', { column: 'weather', op: 'contains', value: '%' }, () => false],
  ['contains takes _ literally', { column: 'weather', op: 'contains', value: 'r_in' }, () => false],
  ['starts_with', { column: 'weather', op: 'starts_with', value: 's' }, (r) => r.weather.startsWith('s')],
  ['starts_with is case-sensitive', { column: 'weather', op: 'starts_with', value: 'S' }, () => false],
  [
    'contains on a date (as text)',
    { column: 'date', op: 'contains', value: '-02-29' },
    (r) => r.date.endsWith('-02-29'),
  ],
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
    'timestamp range, T and space forms',
    {
      and: [
        { column: 'ts', op: '>=', value: '2014-03-01T12:00:00' },
        { column: 'ts', op: '<', value: '2014-03-08 06:00' },
      ],
    },
    (r) => r.ts >= '2014-03-01T12:00:00' && r.ts < '2014-03-08T06:00:00',
  ],
  ['boolean true', { column: 'wet', op: '=', value: true }, (r) => r.wet],
  ['boolean "false" as text', { column: 'wet', op: '=', value: 'false' }, (r) => !r.wet],
  ['is_null', { column: 'maybe', op: 'is_null' }, (r) => r.maybe === null],
  ['not_null', { column: 'maybe', op: 'not_null' }, (r) => r.maybe !== null],
  ['not of is_null', { not: { column: 'maybe', op: 'is_null' } }, (r) => r.maybe !== null],
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
  [
    'the injection-named column, by value',
    { column: INJECTION_COLUMN, op: '=', value: 'fog' },
    (r) => r.weather === 'fog',
  ],
];

export const INJECTION_VALUES = [
  "' OR 1=1 --",
  "rain' OR '1'='1",
  "rain'); DROP TABLE weather; --",
  'rain" OR "1"="1',
  '$1',
  '?',
];
export const INJECTION_COLUMNS = [
  INJECTION_COLUMN.slice(1),
  'weather" OR 1=1 --',
  'weather"; DROP TABLE "weather"; --',
  'a") OR ("1"="1',
  '*',
];

export async function filter(
  engine: Engine,
  dataset: string,
  where: FilterExpr,
  extra: Record<string, unknown> = {},
): Promise<RowsResult> {
  return (await runOp(
    engine,
    filterRows,
    200,
    FilterParams.parse({ dataset, where, limit: 5, ...extra }),
  )) as RowsResult;
}

export async function fetch(engine: Engine, dataset: string, extra: Record<string, unknown> = {}): Promise<RowsResult> {
  return (await runOp(engine, fetchRows, 100, FetchParams.parse({ dataset, ...extra }))) as RowsResult;
}

export async function failure(f: () => Promise<unknown>): Promise<TaskFailure> {
  try {
    await f();
  } catch (e) {
    if (e instanceof TaskFailure) return e;
    throw e;
  }
  throw new Error('expected a task failure');
}

/** The checks every source passes: filter counts and first page against JS, paging, injection attempts. */
export function sourceChecks(
  test: (name: string, f: () => Promise<void>) => void,
  label: string,
  engine: () => Engine,
  dataset: string,
): void {
  const rows = sourceRows();
  const count = (pred: (r: SourceRow) => boolean) => rows.filter(pred).length;

  for (const [name, where, pred] of FILTER_CASES) {
    test(`${label} op 200: ${name}`, async () => {
      const r = await filter(engine(), dataset, where, { order_by: [{ column: 'id' }] });
      assert.is(r.total_rows, rows.length);
      assert.is(r.matched_rows, count(pred), `matched_rows for ${JSON.stringify(where)}`);
      assert.equal(r.rows, rows.filter(pred).slice(0, 5).map(cellsOf), 'the first page, cell by cell');
    });
  }

  test(`${label} op 100: paging through every row, ordered by date desc, gives each row once`, async () => {
    const seen: unknown[] = [];
    for (let offset = 0; offset < rows.length; offset += 400) {
      const r = await fetch(engine(), dataset, {
        columns: ['date', 'id'],
        limit: 400,
        offset,
        order_by: [{ column: 'date', direction: 'desc' }],
      });
      assert.is(r.total_rows, rows.length);
      assert.equal(
        r.columns.map((c) => c.name),
        ['date', 'id'],
      );
      seen.push(...r.rows.map((x) => x[1]));
    }
    assert.equal(
      seen,
      [...rows].sort((a, b) => b.date.localeCompare(a.date)).map((r) => r.id),
    );
  });

  test(`${label} op 100: without an order, pages follow the source's own order`, async () => {
    const r = await fetch(engine(), dataset, { limit: 3, offset: 1000 });
    assert.equal(r.rows, rows.slice(1000, 1003).map(cellsOf));
  });

  test(`${label} op 200: injection in column names fails with unknown_column before any SQL`, async () => {
    for (const column of INJECTION_COLUMNS) {
      const f = await failure(() => filter(engine(), dataset, { column, op: '=', value: 'rain' }));
      assert.is(f.code, 'unknown_column', column);
      const g = await failure(() => filter(engine(), dataset, { and: [] }, { order_by: [{ column }] }));
      assert.is(g.code, 'unknown_column', column);
      const h = await failure(() => fetch(engine(), dataset, { columns: ['id', column] }));
      assert.is(h.code, 'unknown_column', column);
    }
    assert.is((await filter(engine(), dataset, { and: [] })).total_rows, rows.length, 'the data is untouched');
  });

  test(`${label} op 200: injection in values is bound, never run`, async () => {
    for (const value of INJECTION_VALUES) {
      for (const where of [
        { column: 'weather', op: '=', value },
        { column: 'weather', op: 'contains', value },
        { column: 'weather', op: 'starts_with', value },
        { column: 'weather', op: 'in', value: [value, 'x'] },
        { column: INJECTION_COLUMN, op: '!=', value },
      ] as FilterExpr[]) {
        const expected = 'op' in where && where.op === '!=' ? rows.length : 0;
        assert.is((await filter(engine(), dataset, where)).matched_rows, expected, JSON.stringify(where));
      }
    }
    assert.is((await filter(engine(), dataset, { and: [] })).total_rows, rows.length, 'the data is untouched');
  });

  test(`${label} op 200: a value that does not fit its column fails with invalid_params`, async () => {
    for (const where of [
      { column: 'date', op: '>', value: 'last tuesday' },
      { column: 'date', op: '>', value: 20150101 },
      { column: 'temp_max', op: '>', value: 'warm' },
      { column: 'temp_max', op: '=', value: true },
    ] as FilterExpr[]) {
      assert.is((await failure(() => filter(engine(), dataset, where))).code, 'invalid_params', JSON.stringify(where));
    }
  });
}

/** Op 300 describe on the rows a filter keeps (for a database: loaded into a DuckDB temporary table), against JS. */
export function describeCheck(
  test: (name: string, f: () => Promise<void>) => void,
  label: string,
  engine: () => Engine,
  dataset: string,
): void {
  test(`${label} op 300: describe of the rows a filter keeps`, async () => {
    const where: FilterExpr = {
      and: [
        { column: 'weather', op: '=', value: 'sun' },
        { column: 'date', op: '>=', value: '2014-01-01' },
      ],
    };
    const r = (await runOp(
      engine(),
      analyse,
      300,
      AnalysisParams.parse({ dataset, analysis: 'describe', where }),
    )) as DescribeResult;
    const sun = sourceRows().filter((x) => x.weather === 'sun' && x.date >= '2014-01-01');
    const col = (n: string) => r.columns.find((c) => c.name === n)!;
    const t = sun.map((x) => x.temp_max);
    assert.is(r.rows_used, sun.length);
    assert.equal(
      [col('temp_max').count, col('temp_max').min, col('temp_max').max],
      [sun.length, Math.min(...t), Math.max(...t)],
    );
    assert.ok(
      Math.abs(Number(col('temp_max').mean) - t.reduce((a, b) => a + b, 0) / t.length) < 1e-9,
      'mean of temp_max',
    );
    assert.equal(
      [col('maybe').count, col('maybe').nulls],
      [sun.filter((x) => x.maybe !== null).length, sun.filter((x) => x.maybe === null).length],
    );
    assert.equal(col('weather').top, [{ value: 'sun', count: sun.length }]);
    assert.equal([col('date').min, col('date').max], [sun[0].date, sun[sun.length - 1].date]);
    assert.is(col('wet').kind, 'boolean');
  });
}
