// SPSS system files built byte by byte (test-sav.ts), uncompressed and bytecode-compressed, read through the real engine.
// Expected values are the ones written.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cell } from '@simpul/protocol';
import type { Engine } from './engine.ts';
import { datasetConfig, openEngine, tempDir } from './test-data.ts';
import { type SavVar, SYSMIS, savFile, spssDate } from './test-sav.ts';

const dir = tempDir('simpul-sav-');
const cache = tempDir('simpul-sav-cache-');
const FILE = join(dir.path, 'survey.sav');
const ZIPPED = join(dir.path, 'survey-compressed.sav');
let engine: Engine;

const VARS: SavVar[] = [
  { name: 'id', width: 0, format: [5, 8, 0] },
  {
    name: 'sex',
    width: 0,
    format: [5, 1, 0],
    label: 'Sex of respondent',
    missing: [9],
    valueLabels: [
      [1, 'male'],
      [2, 'female'],
      [9, 'no answer'],
    ],
  },
  { name: 'score', width: 0, format: [5, 8, 2], missing: [-99, -98] },
  { name: 'city', width: 8, format: [1, 8, 0] },
  { name: 'visit', width: 0, format: [20, 11, 0] },
];
// id, sex (9 = no answer: missing; 3 has no label), score (-99/-98 missing, SYSMIS), city, visit date
const CASES: (number | string)[][] = [
  [1, 1, 12.5, 'Lyon', spssDate('2024-01-15')],
  [2, 2, -99, 'Nice', spssDate('2024-02-29')],
  [3, 9, 7.25, 'Metz', SYSMIS],
  [4, 3, SYSMIS, '', spssDate('1999-12-31')],
  [5, 2, -98, 'Paris', spssDate('2024-12-01')],
];

test.before(async () => {
  writeFileSync(FILE, savFile(VARS, CASES));
  writeFileSync(ZIPPED, savFile(VARS, CASES, true));
  engine = await openEngine([datasetConfig('survey', FILE), datasetConfig('compressed', ZIPPED)], cache.path);
});

test.after(async () => {
  await engine?.close();
  dir.remove();
  cache.remove();
});

async function query(sql: string): Promise<Cell[][]> {
  const db = await engine.session(new AbortController().signal);
  try {
    await engine.dataset('survey').relation(db, []); // as a task does: brings the view up to date with the file
    return (await db.query(sql)).rows;
  } finally {
    db.close();
  }
}

test('labels as the column, codes beside it, missing codes and system-missing as null, dates as dates', async () => {
  const info = engine.datasets().find((d) => d.name === 'survey')!;
  assert.is(info.error, undefined, info.error);
  assert.is(info.format, 'sav');
  assert.equal(
    info.columns.map((c) => [c.name, c.type]),
    [
      ['id', 'BIGINT'],
      ['sex', 'VARCHAR'],
      ['sex_code', 'BIGINT'],
      ['score', 'DOUBLE'],
      ['city', 'VARCHAR'],
      ['visit', 'DATE'],
    ],
  );
  assert.is(info.row_count, CASES.length);
  const rows = await query('SELECT id, sex, sex_code, score, city, CAST(visit AS VARCHAR) FROM survey ORDER BY id');
  assert.equal(rows, [
    [1, 'male', 1, 12.5, 'Lyon', '2024-01-15'],
    [2, 'female', 2, null, 'Nice', '2024-02-29'],
    [3, null, null, 7.25, 'Metz', null],
    [4, '3', 3, null, null, '1999-12-31'],
    [5, 'female', 2, null, 'Paris', '2024-12-01'],
  ]);
  // Sums from the values written, missing codes left out.
  const [[sum]] = await query('SELECT sum(score) FROM survey');
  assert.is(sum, 12.5 + 7.25);
  assert.ok(
    info.warnings?.includes('sex: 1 value with a missing-value code read as null'),
    JSON.stringify(info.warnings),
  );
  assert.ok(
    info.warnings?.includes('score: 2 values with a missing-value code read as null'),
    JSON.stringify(info.warnings),
  );
  assert.match(engine.dataset('survey').dialect ?? '', /SPSS file, 5 variables \(1 with value labels/);
});

test('a bytecode-compressed file (what SPSS writes by default) reads the same', async () => {
  const db = await engine.session(new AbortController().signal);
  try {
    await engine.dataset('compressed').relation(db, []);
    const a = (await db.query('SELECT * FROM survey ORDER BY id')).rows;
    const b = (await db.query('SELECT * FROM compressed ORDER BY id')).rows;
    assert.is(b.length, CASES.length);
    assert.equal(b, a);
  } finally {
    db.close();
  }
});

test('a changed file is converted again', async () => {
  writeFileSync(FILE, savFile(VARS, [...CASES, [6, 1, 3, 'Brest', spssDate('2025-01-01')]]));
  const later = new Date(Date.now() + 5000);
  utimesSync(FILE, later, later);
  const rows = await query('SELECT id, sex, score FROM survey WHERE id = 6');
  assert.equal(rows, [[6, 'male', 3]]);
});

test.run();
