import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cell, ColumnInfo } from '@simpul/protocol';
import { toCsv, toJson } from './export-rows.ts';

const columns: ColumnInfo[] = [
  { name: 'id', type: 'BIGINT', kind: 'number' },
  { name: 'note, with comma', type: 'VARCHAR', kind: 'string' },
  { name: 'ok', type: 'BOOLEAN', kind: 'boolean' },
];
const rows: Cell[][] = [
  [1, 'plain', true],
  [2, 'she said "hi", then left', false],
  [3, 'two\nlines', null],
  [4, ' padded ', true],
  [5, null, null],
];

test('CSV reads back identically with an independent parser (Miller)', () => {
  const csv = toCsv({ columns, rows });
  const parsed: unknown = JSON.parse(
    execFileSync('mlr', ['--icsv', '--ojson', '--infer-none', 'cat'], { input: csv, encoding: 'utf8' }),
  );
  assert.equal(parsed, [
    { id: '1', 'note, with comma': 'plain', ok: 'true' },
    { id: '2', 'note, with comma': 'she said "hi", then left', ok: 'false' },
    { id: '3', 'note, with comma': 'two\nlines', ok: '' },
    { id: '4', 'note, with comma': ' padded ', ok: 'true' },
    { id: '5', 'note, with comma': '', ok: '' },
  ]);
});

test('JSON has one object per row, keyed by column name, nulls kept', () => {
  const objects: unknown = JSON.parse(toJson({ columns, rows }));
  assert.ok(Array.isArray(objects));
  assert.is(objects.length, 5);
  assert.equal(objects[1], { id: 2, 'note, with comma': 'she said "hi", then left', ok: false });
  assert.equal(objects[4], { id: 5, 'note, with comma': null, ok: null });
});

test.run();
