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

test('between wants low ≤ high: numbers and ISO dates the wrong way round are refused with a clear message', () => {
  const r = FilterExpr.safeParse({ column: 'age', op: 'between', value: [40, 20] });
  assert.not.ok(r.success);
  assert.match(r.error!.issues[0].message, 'between needs low ≤ high: 40 is above 20');
  assert.equal(r.error!.issues[0].path, ['value']);
  const nested = FilterExpr.safeParse({ and: [{ column: 'd', op: 'between', value: ['2024-06-30', '2024-01-01'] }] });
  assert.not.ok(nested.success);
  for (const ok of [
    [20, 40],
    [20, 20],
    ['2024-01-01', '2024-06-30'],
    ['b', 'a'], // text: the engine's collation decides, not the contract
  ])
    assert.ok(FilterExpr.safeParse({ column: 'x', op: 'between', value: ok }).success, JSON.stringify(ok));
});

test('limits nesting depth', () => {
  let e: F = { column: 'a', op: '=', value: 1 };
  for (let i = 0; i < FILTER_MAX_DEPTH + 2; i++) e = { not: e };
  const r = FilterExpr.safeParse(e);
  assert.not.ok(r.success);
  assert.match(JSON.stringify(r.error?.issues), /nested/);
});

test.run();
