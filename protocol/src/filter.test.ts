import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FILTER_MAX_DEPTH, FilterExpr, filterColumns, type FilterExpr as F } from './filter.ts';

test('accepts nested and/or/not with every operator', () => {
  const e = {
    and: [
      { column: 'age', op: '>=', value: 30 },
      {
        or: [
          { column: 'city', op: 'in', value: ['Oslo', 'Lima'] },
          { column: 'name', op: 'starts_with', value: 'A' },
        ],
      },
      { not: { column: 'score', op: 'between', value: [1, 2] } },
      { column: 'note', op: 'is_null' },
      { column: 'note2', op: 'not_null' },
      { column: 'x', op: 'contains', value: 'abc' },
      { column: 'd', op: '<', value: '2012-01-01' },
      { column: 'k', op: 'not_in', value: [1] },
      { column: 'b', op: '!=', value: true },
    ],
  };
  const r = FilterExpr.safeParse(e);
  assert.ok(r.success, JSON.stringify(r.error?.issues));
  assert.equal([...filterColumns(r.data as F)].sort(), [
    'age',
    'b',
    'city',
    'd',
    'k',
    'name',
    'note',
    'note2',
    'score',
    'x',
  ]);
});

test('rejects values that do not fit the operator', () => {
  const bad = [
    { column: 'a', op: 'between', value: [1] },
    { column: 'a', op: 'in', value: [] },
    { column: 'a', op: 'in', value: 3 },
    { column: 'a', op: 'is_null', value: 3 },
    { column: 'a', op: '=', value: [1, 2] },
    { column: 'a', op: '=' },
    { column: 'a', op: 'contains', value: 5 },
    { column: 'a', op: 'like', value: 'x' },
    { column: '', op: '=', value: 1 },
    { column: 'a', op: '=', value: 1, extra: 1 },
    { and: 'x' },
    { not: [] },
  ];
  for (const e of bad) assert.not.ok(FilterExpr.safeParse(e).success, JSON.stringify(e));
});

test('limits nesting depth', () => {
  let e: F = { column: 'a', op: '=', value: 1 };
  for (let i = 0; i < FILTER_MAX_DEPTH + 2; i++) e = { not: e };
  const r = FilterExpr.safeParse(e);
  assert.not.ok(r.success);
  assert.match(JSON.stringify(r.error?.issues), /nested/);
});

test.run();
