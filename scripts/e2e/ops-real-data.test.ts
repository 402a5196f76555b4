// Ops 200 and 300 on real public data through the HTTP API and a real runner, checked against independent answers:
// Miller (mlr) for the CSV, hand-written SQL in a separate DuckDB for the Parquet file, plain JS for describe.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { VEGA } from '../lib/data.ts';
import { HubProc } from '../lib/hub.ts';
import { RunnerProc } from '../lib/runner.ts';

const WEATHER = join(VEGA, 'seattle-weather.csv');
const FLIGHTS = join(VEGA, 'flights-3m.parquet');
const PENGUINS = join(VEGA, 'penguins.json');
let hub: HubProc;
let runner: RunnerProc;

test.before(async () => {
  hub = await HubProc.start();
  runner = await RunnerProc.start(hub, {
    name: 'real-data',
    datasets: [
      { name: 'weather', path: WEATHER },
      { name: 'flights', path: FLIGHTS },
      { name: 'penguins', path: PENGUINS },
    ],
  });
});
test.after(async () => {
  await runner?.stop();
  await hub?.stop();
});

async function run(body: unknown) {
  const c = await hub.api.post('/api/v1/tasks', body);
  assert.is(c.status, 201, JSON.stringify(c.body));
  const t = await hub.api.waitTask(c.body.task_id, undefined, 120_000);
  assert.is(t.status, 'succeeded', JSON.stringify(t.error));
  return (await hub.api.get(`/api/v1/result/${c.body.task_id}`)).body.result;
}

const mlrCount = (filter: string) =>
  Number(
    execFileSync('mlr', ['--icsv', '--ojson', 'filter', filter, 'then', 'count', WEATHER], { encoding: 'utf8' }).match(
      /"count": (\d+)/,
    )?.[1] ?? 0,
  );

test("seattle-weather.csv: filter counts equal Miller's", async () => {
  const cases: [unknown, string][] = [
    [{ column: 'weather', op: '=', value: 'rain' }, '$weather == "rain"'],
    [
      {
        and: [
          { column: 'precipitation', op: '>', value: 10 },
          { column: 'temp_max', op: '<', value: 10 },
        ],
      },
      '$precipitation > 10 && $temp_max < 10',
    ],
    [
      {
        or: [
          { column: 'weather', op: 'in', value: ['snow', 'fog'] },
          { column: 'wind', op: '>=', value: 7 },
        ],
      },
      '$weather == "snow" || $weather == "fog" || $wind >= 7',
    ],
    [
      { column: 'date', op: 'between', value: ['2013-03-01', '2013-05-31'] },
      'strptime($date, "%Y-%m-%d") >= strptime("2013-03-01", "%Y-%m-%d") && strptime($date, "%Y-%m-%d") <= strptime("2013-05-31", "%Y-%m-%d")',
    ],
    [{ not: { column: 'weather', op: 'starts_with', value: 's' } }, '!($weather =~ "^s")'],
  ];
  for (const [where, mlr] of cases) {
    const r = await run({ op: 200, params: { dataset: 'weather', where, limit: 1 } });
    assert.is(r.matched_rows, mlrCount(mlr), JSON.stringify(where));
  }
});

test('flights-3m.parquet: filter counts equal hand-written SQL', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const sqlCount = async (where: string) =>
    Number((await c.runAndReadAll(`SELECT count(*) FROM read_parquet('${FLIGHTS}') WHERE ${where}`)).getRows()[0][0]);
  const cases: [unknown, string][] = [
    [{ column: 'delay', op: '>', value: 60 }, 'delay > 60'],
    [
      {
        and: [
          { column: 'origin', op: '=', value: 'SEA' },
          { column: 'distance', op: 'between', value: [500, 1000] },
        ],
      },
      "origin = 'SEA' AND distance BETWEEN 500 AND 1000",
    ],
    [
      {
        or: [
          { column: 'destination', op: 'in', value: ['LAX', 'SFO'] },
          { column: 'delay', op: '<', value: -10 },
        ],
      },
      "destination IN ('LAX', 'SFO') OR delay < -10",
    ],
  ];
  for (const [where, sql] of cases) {
    const r = await run({ op: 200, params: { dataset: 'flights', where, limit: 5 } });
    assert.is(r.matched_rows, await sqlCount(sql), JSON.stringify(where));
    assert.is(r.total_rows, await sqlCount('true'));
  }
  c.closeSync();
});

test('penguins.json: describe equals plain JS', async () => {
  const rows: Record<string, unknown>[] = JSON.parse(readFileSync(PENGUINS, 'utf8'));
  const r = await run({ op: 300, params: { dataset: 'penguins', analysis: 'describe' } });
  const col = r.columns.find((c: any) => c.name === 'Body Mass (g)');
  const xs = rows.map((p) => p['Body Mass (g)']).filter((v): v is number => typeof v === 'number');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  assert.is(col.count, xs.length);
  assert.is(col.nulls, rows.length - xs.length);
  assert.ok(Math.abs(col.mean - mean) < 1e-9 * mean);
  assert.ok(Math.abs(col.sd - sd) < 1e-9 * sd);
  assert.is(col.min, Math.min(...xs));
  assert.is(col.max, Math.max(...xs));
});

test.run();
