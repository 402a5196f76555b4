// Dataset entries in the runner config: formats inferred from files and folders, database sources, and readable errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from './config.ts';
import { tempDir } from './engine/test-data.ts';
import { ConfigError } from './errors.ts';

const dir = tempDir('simpul-dataset-config-test-');
test.after(() => dir.remove());

function file(rel: string, text = 'x\n1\n'): string {
  const p = join(dir.path, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function load(datasets: string, env: NodeJS.ProcessEnv = {}) {
  const path = file(`runner-${Math.random().toString(36).slice(2)}.yaml`, `datasets:\n${datasets}`);
  return loadConfig({ configPath: path, env });
}

function problems(datasets: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    load(datasets, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('formats from extensions, folders from the files in them', () => {
  file('f/a.arrow');
  file('f/sub/b.feather');
  file('f/notes.txt');
  file('p/2026-01.parquet');
  file('p/.hidden/x.csv');
  file('data.sqlite');
  const c = load(
    [
      '  - { name: a, path: f }',
      '  - { name: b, path: p }',
      '  - { name: c, path: "p/2026-*.parquet" }',
      '  - { name: d, path: data.sqlite, table: t }',
      '  - { name: e, path: p, format: parquet }',
    ].join('\n'),
  );
  assert.equal(
    c.datasets.map((d) => [d.name, d.format]),
    [
      ['a', 'arrow'],
      ['b', 'parquet'],
      ['c', 'parquet'],
      ['d', 'sqlite'],
      ['e', 'parquet'],
    ],
  );
  assert.is(c.cache_dir, join(dir.path, 'simpul-cache'), 'the cache sits next to the state file');
});

test('postgres: the connection string from the environment, format implied by it', () => {
  const c = load('  - { name: pg, connection_env: MY_PGURL, table: public.patients }', {
    MY_PGURL: 'postgres://u@h/db',
  });
  assert.equal(c.datasets[0], {
    name: 'pg',
    format: 'postgres',
    connection: 'postgres://u@h/db',
    table: 'public.patients',
  });
});

test('readable errors for each kind of source', () => {
  file('mixed/a.csv');
  file('mixed/b.parquet');
  mkdirSync(join(dir.path, 'empty'), { recursive: true });
  file('w.parquet');
  file('db.sqlite');
  const msg = problems(
    [
      '  - { name: m, path: mixed }',
      '  - { name: e, path: empty }',
      '  - { name: p, path: w.parquet, delimiter: ";", columns: { a: INTEGER } }',
      '  - { name: s, path: db.sqlite }',
      '  - { name: s2, format: sqlite, path: missing.db, table: t }',
      '  - { name: g1, format: postgres, table: t }',
      '  - { name: g2, connection_env: NOT_SET, table: t }',
      '  - { name: g3, connection: "postgres://x", connection_env: Y, table: t }',
      '  - { name: g4, connection: "postgres://x" }',
      '  - { name: g5, connection: "postgres://x", table: t, path: x.csv }',
      '  - { name: c, path: w.parquet, table: t }',
      '  - { name: d, path: w.parquet, decimal_separator: ",", null_values: [NA] }',
      '  - { name: d2, path: mixed/a.csv, delimiter: ",", decimal_separator: "," }',
    ].join('\n'),
    { Y: 'postgres://y' },
  );
  for (const line of [
    /datasets\[0\]\.format: folder .*mixed holds csv and parquet files; set format to say which to read/,
    /datasets\[1\]\.format: no data files \(csv, tsv, parquet, json, ndjson, arrow, xlsx, sav\) in folder .*empty/,
    /datasets\[2\]\.delimiter: applies to CSV\/TSV datasets only, not parquet/,
    /datasets\[2\]\.columns\.a: a type \(INTEGER\) applies to CSV\/TSV datasets only, not parquet/,
    /datasets\[3\]\.table: name the table or view to read/,
    /datasets\[4\]\.path: file not found: .*missing\.db/,
    /datasets\[5\]\.connection: give a connection string, or connection_env: the variable that holds one/,
    /datasets\[6\]\.connection_env: environment variable NOT_SET is not set/,
    /datasets\[7\]\.connection: give connection or connection_env, not both/,
    /datasets\[8\]\.table: name the table or view to read, e\.g\. public\.patients/,
    /datasets\[9\]\.path: a postgres dataset has a connection \(or connection_env\), not a path/,
    /datasets\[10\]\.table: applies to sqlite and postgres datasets only, not parquet/,
    /datasets\[11\]\.decimal_separator: applies to CSV\/TSV datasets only, not parquet/,
    /datasets\[11\]\.null_values: applies to CSV\/TSV datasets only, not parquet/,
    /datasets\[12\]\.decimal_separator: a decimal comma needs another delimiter, e\.g\. ";"/,
  ]) {
    assert.match(msg, line);
  }
});

test('a column type override must look like a type', () => {
  file('t.csv');
  assert.match(
    problems('  - { name: t, path: t.csv, columns: { x: "INTEGER); DROP TABLE y; --" } }'),
    /datasets\[0\]\.columns\.x: a DuckDB type such as INTEGER/,
  );
});

test('decimal separator and null values must be usable', () => {
  file('t.csv');
  assert.match(problems('  - { name: t, path: t.csv, decimal_separator: ";" }'), /datasets\[0\]\.decimal_separator/);
  assert.match(problems('  - { name: t, path: t.csv, null_values: [] }'), /datasets\[0\]\.null_values/);
});

test('the CSV reading options and the Excel sheet are checked', () => {
  file('t.csv');
  file('w.parquet');
  file('b.xlsx');
  assert.match(
    problems('  - { name: t, path: t.csv, encoding: ebcdic }'),
    /datasets\[0\]\.encoding: .*utf-8.*windows-1252/,
  );
  assert.match(
    problems('  - { name: t, path: t.csv, thousands_separator: "." }'),
    /datasets\[0\]\.thousands_separator: must differ from the decimal separator/,
  );
  assert.match(problems('  - { name: t, path: t.csv, quote: "<<" }'), /datasets\[0\]\.quote/);
  assert.match(problems('  - { name: t, path: t.csv, skip_rows: -1 }'), /datasets\[0\]\.skip_rows/);
  assert.match(
    problems('  - { name: t, path: t.csv, sheet: Data }'),
    /datasets\[0\]\.sheet: applies to xlsx datasets only, not csv/,
  );
  assert.match(
    problems('  - { name: w, path: w.parquet, encoding: latin-1, skip_rows: 2 }'),
    /datasets\[0\]\.encoding: applies to CSV\/TSV datasets only[\s\S]*datasets\[0\]\.skip_rows: applies to CSV\/TSV/,
  );
  file('old.xls');
  assert.match(
    problems('  - { name: o, path: old.xls }'),
    /datasets\[0\]\.path: xls files are not read: save the data as \.xlsx or CSV/,
  );
  const ok = load(
    '  - { name: t, path: t.csv, encoding: latin-1, quote: "\'", escape: "\\\\", comment: "#", skip_rows: 2, decimal_separator: ",", delimiter: ";", thousands_separator: "." }\n  - { name: b, path: b.xlsx, sheet: Data }',
  );
  assert.equal(
    ok.datasets.map((d) => d.format),
    ['csv', 'xlsx'],
  );
});

test.run();
