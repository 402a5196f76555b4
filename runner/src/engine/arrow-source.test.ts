// Arrow IPC files written with apache-arrow from real data: read through their Parquet cache (file and stream formats,
// several record batches, a folder and a glob), the cache reused, and refreshed when a file changes.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Float64,
  Int8,
  Int32,
  Int64,
  List,
  makeData,
  makeVector,
  Struct,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  tableToIPC,
  Uint64,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Engine } from './engine.ts';
import { INJECTION_COLUMN, openEngine, tempDir } from './test-data.ts';
import { describeCheck, fetch, filter, sourceChecks, sourceRows, type SourceRow } from './test-sources.ts';

const dir = tempDir('simpul-arrow-test-');
const cache = join(dir.path, 'cache');
const rows = sourceRows();
let engine: Engine;

const utc = (s: string) => new Date(`${s}Z`);

/** The rows as an Arrow table, in the order and with the names the shared checks expect. */
function weatherTable(part: SourceRow[], dictionary = false): Table {
  return new Table({
    id: vectorFromArray(
      part.map((r) => r.id),
      new Int32(),
    ),
    date: vectorFromArray(
      part.map((r) => utc(`${r.date}T00:00:00`)),
      new DateDay(),
    ),
    precipitation: vectorFromArray(
      part.map((r) => r.precipitation),
      new Float64(),
    ),
    temp_max: vectorFromArray(
      part.map((r) => r.temp_max),
      new Float64(),
    ),
    temp_min: vectorFromArray(
      part.map((r) => r.temp_min),
      new Float64(),
    ),
    wind: vectorFromArray(
      part.map((r) => r.wind),
      new Float64(),
    ),
    weather: dictionary
      ? vectorFromArray(
          part.map((r) => r.weather),
          new Dictionary(new Utf8(), new Int32()),
        )
      : vectorFromArray(
          part.map((r) => r.weather),
          new Utf8(),
        ),
    ts: vectorFromArray(
      part.map((r) => utc(r.ts)),
      new TimestampMicrosecond(),
    ),
    wet: vectorFromArray(
      part.map((r) => r.wet),
      new Bool(),
    ),
    maybe: vectorFromArray(
      part.map((r) => r.maybe),
      new Utf8(),
    ),
    [INJECTION_COLUMN]: vectorFromArray(
      part.map((r) => r.weather),
      new Utf8(),
    ),
  });
}

/** Several record batches in one IPC file. */
function writeWeather(path: string, part: SourceRow[], format: 'file' | 'stream' = 'file', dictionary = false): void {
  const chunks = [part.slice(0, 500), part.slice(500, 1000), part.slice(1000)].filter((c) => c.length);
  const table = dictionary
    ? weatherTable(part, true)
    : chunks.map((c) => weatherTable(c)).reduce((a, b) => a.concat(b));
  writeFileSync(path, tableToIPC(table, format));
}

function typesTable(): Table {
  const decimal = makeVector(
    makeData({
      type: new Decimal(2, 10, 128),
      length: 2,
      nullCount: 0,
      data: Uint32Array.from([12345, 0, 0, 0, ...Array(4).fill(0xffffffff)]),
    }),
  );
  const time = makeVector(
    makeData({ type: new TimeMicrosecond(), length: 2, nullCount: 0, data: BigInt64Array.from([3_723_000_000n, 0n]) }),
  );
  return new Table({
    dec: decimal as Vector,
    t: time as Vector,
    tiny: vectorFromArray([-5, 7], new Int8()),
    big: vectorFromArray([2n ** 63n - 1n, -1n], new Int64()),
    ubig: vectorFromArray([2n ** 64n - 1n, 0n], new Uint64()),
    list: vectorFromArray([[1, 2], []], new List(new Field('item', new Int32()))),
    obj: vectorFromArray(
      [{ a: 1, b: 'x' }, null],
      new Struct([new Field('a', new Int32()), new Field('b', new Utf8())]),
    ),
    tz: vectorFromArray([utc('2016-02-29T13:45:06.5'), null], new TimestampMillisecond('UTC')),
  });
}

test.before(async () => {
  writeWeather(join(dir.path, 'weather.arrow'), rows);
  writeWeather(join(dir.path, 'weather.arrows'), rows, 'stream', true);
  mkdirSync(join(dir.path, 'parts', 'more'), { recursive: true });
  writeWeather(join(dir.path, 'parts', 'a.feather'), rows.slice(0, 700));
  writeWeather(join(dir.path, 'parts', 'more', 'b.arrow'), rows.slice(700));
  writeFileSync(join(dir.path, 'types.ipc'), tableToIPC(typesTable(), 'file'));
  writeWeather(join(dir.path, 'changing.arrow'), rows);
  engine = await openEngine(
    [
      { name: 'w', format: 'arrow', path: join(dir.path, 'weather.arrow') },
      { name: 'stream', format: 'arrow', path: join(dir.path, 'weather.arrows') },
      { name: 'folder', format: 'arrow', path: join(dir.path, 'parts') },
      { name: 'glob', format: 'arrow', path: join(dir.path, 'parts', '*', '*.arrow') },
      { name: 'types', format: 'arrow', path: join(dir.path, 'types.ipc') },
      { name: 'changing', format: 'arrow', path: join(dir.path, 'changing.arrow') },
    ],
    cache,
  );
});
test.after(async () => {
  await engine?.close();
  dir.remove();
});

test('arrow: schema and row count, from Arrow types to DuckDB types', () => {
  const info = Object.fromEntries(engine.datasets().map((d) => [d.name, d]));
  for (const name of ['w', 'stream', 'folder']) assert.is(info[name].row_count, rows.length, name);
  assert.is(info.glob.row_count, rows.length - 700, 'the glob matches the file in the subfolder only');
  assert.equal(
    info.w.columns.map((c) => [c.name, c.type, c.kind]),
    [
      ['id', 'INTEGER', 'number'],
      ['date', 'DATE', 'date'],
      ['precipitation', 'DOUBLE', 'number'],
      ['temp_max', 'DOUBLE', 'number'],
      ['temp_min', 'DOUBLE', 'number'],
      ['wind', 'DOUBLE', 'number'],
      ['weather', 'VARCHAR', 'string'],
      ['ts', 'TIMESTAMP', 'timestamp'],
      ['wet', 'BOOLEAN', 'boolean'],
      ['maybe', 'VARCHAR', 'string'],
      [INJECTION_COLUMN, 'VARCHAR', 'string'],
    ],
  );
  assert.is(
    info.stream.columns.find((c) => c.name === 'weather')?.kind,
    'string',
    'a dictionary column reads as its values',
  );
});

sourceChecks(test, 'arrow', () => engine, 'w');
describeCheck(test, 'arrow', () => engine, 'w');

test('arrow: the stream format with a dictionary column, a folder (subfolders too) and a glob', async () => {
  const rain = (pred: (r: SourceRow) => boolean) => rows.filter((r) => pred(r) && r.weather === 'rain').length;
  for (const [name, pred] of [
    ['stream', () => true],
    ['folder', () => true],
    ['glob', (r: SourceRow) => r.id > 700],
  ] as const) {
    const r = await filter(engine, name, { column: 'weather', op: '=', value: 'rain' });
    assert.is(r.matched_rows, rain(pred), name);
  }
});

test('arrow: decimals, times, small and unsigned integers, lists, structs and time zones', async () => {
  const r = await fetch(engine, 'types');
  assert.equal(
    r.columns.map((c) => c.type),
    ['DECIMAL(10,2)', 'TIME', 'TINYINT', 'BIGINT', 'UBIGINT', 'VARCHAR', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE'],
  );
  assert.equal(r.rows, [
    [
      123.45,
      '01:02:03',
      -5,
      '9223372036854775807',
      '18446744073709551615',
      '[1,2]',
      '{"a":1,"b":"x"}',
      '2016-02-29T13:45:06.5Z',
    ],
    [-0.01, '00:00:00', 7, -1, 0, '[]', null, null],
  ]);
});

test('arrow: the Parquet cache is reused by the next engine, and refreshed when the file changes', async () => {
  const home = readdirSync(join(cache, 'arrow'));
  assert.is(home.length, 6, 'one cache entry per Arrow file');
  const before = readdirSync(join(cache, 'arrow')).map(
    (h) => statSync(join(cache, 'arrow', h, readdirSync(join(cache, 'arrow', h))[0], 'done.json')).mtimeMs,
  );
  const again = await openEngine([{ name: 'w', format: 'arrow', path: join(dir.path, 'weather.arrow') }], cache);
  try {
    assert.is((await fetch(again, 'w', { limit: 1 })).total_rows, rows.length);
  } finally {
    await again.close();
  }
  const after = readdirSync(join(cache, 'arrow')).map(
    (h) => statSync(join(cache, 'arrow', h, readdirSync(join(cache, 'arrow', h))[0], 'done.json')).mtimeMs,
  );
  assert.equal(after, before, 'nothing was converted again');

  const changing = engine.datasets().find((d) => d.name === 'changing')!;
  assert.is(changing.row_count, rows.length);
  writeWeather(join(dir.path, 'changing.arrow'), rows.slice(0, 100));
  const r = await filter(engine, 'changing', { column: 'weather', op: '=', value: 'rain' });
  assert.equal([r.total_rows, r.matched_rows], [100, rows.slice(0, 100).filter((x) => x.weather === 'rain').length]);
  assert.is(engine.datasets().find((d) => d.name === 'changing')!.row_count, 100, 'the advertised row count follows');
  const versions = readdirSync(join(cache, 'arrow')).flatMap((h) => readdirSync(join(cache, 'arrow', h)));
  assert.is(versions.length, 6, 'the old version of the changed file was removed');
  assert.ok(existsSync(cache));
});

test.run();
