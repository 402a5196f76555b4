// Shared column names (columns: { shared: { from: local } }): a CSV read by DuckDB and a SQLite table, each advertising and
// serving a local column under the shared name; filters, order, pages and analyses use it, the local name is unknown.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AnalysisParams, type DescribeResult } from '@simpul/protocol';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { analyse } from '../ops/analysis.ts';
import type { Engine } from './engine.ts';
import { openEngine, runOp, tempDir } from './test-data.ts';
import { failure, fetch, filter } from './test-sources.ts';

const dir = tempDir('simpul-column-map-test-');
const csv = join(dir.path, 'local.csv');
const db = join(dir.path, 'local.sqlite');
let engine: Engine;

test.before(async () => {
  writeFileSync(csv, 'id,alter,sex\n1,34,F\n2,51,M\n3,47,F\n4,62,M\n');
  const s = new Database(db);
  s.exec(
    "CREATE TABLE p (id INTEGER, jahre REAL, sex TEXT); INSERT INTO p VALUES (1, 34, 'F'), (2, 51, 'M'), (3, 47, 'F'), (4, 62, 'M');",
  );
  s.close();
  engine = await openEngine([
    { name: 'csv', format: 'csv', path: csv, column_map: { age: 'alter' } },
    { name: 'lite', format: 'sqlite', path: db, table: 'p', column_map: { age: 'jahre' } },
    { name: 'typo', format: 'csv', path: csv, column_map: { age: 'altr' } },
    { name: 'clash', format: 'csv', path: csv, column_map: { sex: 'alter' } },
  ]);
});

test.after(async () => {
  await engine?.close();
  dir.remove();
});

test('the column is advertised under its shared name only', () => {
  for (const name of ['csv', 'lite']) {
    const info = engine.dataset(name).info;
    assert.equal(
      info.columns.map((c) => [c.name, c.kind]),
      [
        ['id', 'number'],
        ['age', 'number'],
        ['sex', 'string'],
      ],
      name,
    );
  }
});

test('filters, order and pages use the shared name; the local name is an unknown column', async () => {
  for (const name of ['csv', 'lite']) {
    const r = await filter(
      engine,
      name,
      { column: 'age', op: '>=', value: 47 },
      { order_by: [{ column: 'age', direction: 'desc' }], columns: ['id', 'age'] },
    );
    assert.equal(
      r.columns.map((c) => c.name),
      ['id', 'age'],
      name,
    );
    assert.equal(
      r.rows.map((row) => Number(row[0])),
      [4, 2, 3],
      name,
    );
    const f = await failure(() => fetch(engine, name, { columns: ['id', name === 'csv' ? 'alter' : 'jahre'] }));
    assert.is(f.code, 'unknown_column', name);
  }
});

test('analyses read the shared name, with a filter on it (a DuckDB view, and a SQLite table read into DuckDB)', async () => {
  for (const name of ['csv', 'lite']) {
    const r = (await runOp(
      engine,
      analyse,
      300,
      AnalysisParams.parse({
        dataset: name,
        analysis: 'describe',
        columns: ['age'],
        where: { column: 'age', op: '>', value: 40 },
      }),
    )) as DescribeResult;
    const age = r.columns.find((c) => c.name === 'age')!;
    assert.equal([age.count, age.mean, age.min, age.max], [3, 160 / 3, 47, 62], name);
  }
});

test('a "from" that is not a column, or a shared name another column has, fails the dataset naming it', () => {
  const error = (name: string) => engine.datasets().find((d) => d.name === name)?.error ?? '';
  assert.match(error('typo'), 'columns.age: from "altr" is not a column of this dataset; close names: alter');
  assert.match(error('clash'), 'columns.sex: the dataset already has a column "sex"');
});

test('config: types for CSV only, a mapping for any format, one "from" per shared name', () => {
  const cfg = (datasets: string) => {
    const p = join(dir.path, `runner-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, `datasets:\n${datasets}`);
    return () => loadConfig({ configPath: p, env: {} });
  };
  const c = cfg(
    `  - { name: a, path: ${csv}, columns: { age: { from: alter }, alter: INTEGER } }\n  - { name: b, path: ${db}, table: p, columns: { age: { from: jahre } } }`,
  )();
  assert.equal(
    [c.datasets[0].column_map, (c.datasets[0] as { columns?: unknown }).columns, c.datasets[1].column_map],
    [{ age: 'alter' }, { alter: 'INTEGER' }, { age: 'jahre' }],
  );
  const problems = (datasets: string) => {
    try {
      cfg(datasets)();
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return '';
  };
  assert.match(
    problems(`  - { name: b, path: ${db}, table: p, columns: { jahre: REAL } }`),
    'columns.jahre: a type (REAL) applies to CSV/TSV datasets only, not sqlite',
  );
  assert.match(
    problems(`  - { name: a, path: ${csv}, columns: { age: { from: alter }, years: { from: alter } } }`),
    '"alter" is the "from" of two shared names',
  );
});

test.run();
