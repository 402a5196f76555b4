import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilterExpr } from '@simpul/protocol';
import type { ColumnInfo } from '@simpul/protocol';
import {
  errorKeyAtPath,
  fromExpr,
  newCondition,
  newGroup,
  OPS_BY_KIND,
  parseScalar,
  splitList,
  toExpr,
} from './filter-model.ts';
import type { CondNode, GroupNode } from './filter-model.ts';

const columns: ColumnInfo[] = [
  { name: 'age', type: 'BIGINT', kind: 'number' },
  { name: 'name', type: 'VARCHAR', kind: 'string' },
  { name: 'born', type: 'DATE', kind: 'date' },
  { name: 'active', type: 'BOOLEAN', kind: 'boolean' },
];

const cond = (column: string, op: CondNode['op'], value = '', value2 = ''): CondNode => ({
  ...newCondition(column),
  op,
  value,
  value2,
});

test('operators fit the column kind', () => {
  assert.ok(OPS_BY_KIND.number.includes('between'));
  assert.ok(OPS_BY_KIND.number.includes('in'));
  assert.not.ok(OPS_BY_KIND.number.includes('contains'));
  assert.ok(OPS_BY_KIND.string.includes('starts_with'));
  assert.not.ok(OPS_BY_KIND.string.includes('<'));
  assert.ok(OPS_BY_KIND.date.includes('between'));
  for (const kind of Object.keys(OPS_BY_KIND) as (keyof typeof OPS_BY_KIND)[]) {
    assert.ok(OPS_BY_KIND[kind].includes('is_null'), `${kind} has is_null`);
    assert.ok(OPS_BY_KIND[kind].includes('not_null'), `${kind} has not_null`);
  }
});

test('values are typed and checked against the column kind', () => {
  assert.equal(parseScalar(' 42.5 ', 'number'), { ok: true, value: 42.5 });
  assert.equal(parseScalar('abc', 'number').ok, false);
  assert.equal(parseScalar('', 'number').ok, false);
  assert.equal(parseScalar('2024-02-29', 'date'), { ok: true, value: '2024-02-29' });
  assert.equal(parseScalar('29/02/2024', 'date').ok, false);
  assert.equal(parseScalar('2024-02-29T10:30', 'timestamp'), { ok: true, value: '2024-02-29T10:30' });
  assert.equal(parseScalar('false', 'boolean'), { ok: true, value: false });
  assert.equal(parseScalar('maybe', 'boolean').ok, false);
  assert.equal(parseScalar(' x ', 'string'), { ok: true, value: ' x ' });
});

test('lists split on commas, or parse as JSON when they need commas inside', () => {
  assert.equal(splitList('1, 2,3'), ['1', '2', '3']);
  assert.equal(splitList('["a,b", "c"]'), ['a,b', 'c']);
  assert.equal(splitList('  '), []);
});

test('a nested tree becomes an expression the protocol accepts', () => {
  const root: GroupNode = newGroup('and', [
    cond('age', '>=', '30'),
    {
      ...newGroup('or', [cond('name', 'starts_with', 'A'), cond('born', 'between', '1990-01-01', '1999-12-31')]),
      negate: true,
    },
    cond('age', 'in', '1, 2, 3'),
    cond('active', 'is_null'),
  ]);
  const { expr, errors } = toExpr(root, columns);
  assert.equal(errors, {});
  assert.equal(expr, {
    and: [
      { column: 'age', op: '>=', value: 30 },
      {
        not: {
          or: [
            { column: 'name', op: 'starts_with', value: 'A' },
            { column: 'born', op: 'between', value: ['1990-01-01', '1999-12-31'] },
          ],
        },
      },
      { column: 'age', op: 'in', value: [1, 2, 3] },
      { column: 'active', op: 'is_null' },
    ],
  });
  assert.ok(FilterExpr.safeParse(expr).success);
});

test('problems are reported against the node and field they belong to', () => {
  const bad = cond('age', '>', 'abc');
  const noColumn = cond('', '=', '1');
  const wrongOp = cond('name', '<', 'b');
  const emptyGroup = newGroup('or');
  const root = newGroup('and', [bad, noColumn, wrongOp, emptyGroup]);
  const { errors } = toExpr(root, columns);
  assert.match(errors[`${bad.id}.value`], 'not a number');
  assert.is(errors[`${noColumn.id}.column`], 'Pick a column');
  assert.match(errors[`${wrongOp.id}.op`], 'does not fit');
  assert.match(errors[emptyGroup.id], 'Add a condition');
  const empty = newGroup('and');
  assert.match(toExpr(empty, columns).errors[empty.id], 'at least one');
});

test('a schema issue path leads back to the builder node', () => {
  const inner = cond('age', 'between', '1', '2');
  const group = { ...newGroup('or', [cond('name', '=', 'x'), inner]), negate: true };
  const root = newGroup('and', [cond('age', '=', '1'), group]);
  assert.is(errorKeyAtPath(root, ['and', 1, 'not', 'or', 1, 'value', 0]), `${inner.id}.value`);
  assert.is(errorKeyAtPath(root, ['and', 1, 'not', 'or']), group.id);
  assert.is(errorKeyAtPath(root, ['and', 0, 'column']), `${(root.children[0] as CondNode).id}.column`);
});

test('an expression round-trips through the editable tree', () => {
  const expr: FilterExpr = {
    or: [
      { column: 'age', op: 'between', value: [18, 65] },
      { not: { column: 'name', op: 'in', value: ['a,b', 'c'] } },
      {
        and: [
          { column: 'born', op: '<', value: '2000-01-01' },
          { column: 'active', op: '=', value: true },
        ],
      },
    ],
  };
  const again = toExpr(fromExpr(expr), columns);
  assert.equal(again.errors, {});
  assert.equal(again.expr, {
    or: [
      { column: 'age', op: 'between', value: [18, 65] },
      { not: { and: [{ column: 'name', op: 'in', value: ['a,b', 'c'] }] } },
      {
        and: [
          { column: 'born', op: '<', value: '2000-01-01' },
          { column: 'active', op: '=', value: true },
        ],
      },
    ],
  });
  // A bare condition at the top becomes a one-condition group.
  const single = fromExpr({ column: 'age', op: 'not_null' });
  assert.is(single.kind, 'group');
  assert.is(single.children.length, 1);
});

test('"between 40 and 20" is refused on the lower bound, in words; 20 to 40 and equal bounds pass', () => {
  const wrong = cond('age', 'between', '40', '20');
  const late = cond('born', 'between', '2024-06-30', '2024-01-01');
  const { errors } = toExpr(newGroup('and', [wrong, late, cond('age', 'between', '20', '40')]), columns);
  assert.is(errors[`${wrong.id}.value`], '40 is above 20: put the lower value first');
  assert.match(errors[`${late.id}.value`], '2024-06-30 is above 2024-01-01');
  assert.is(Object.keys(errors).length, 2);
  assert.equal(toExpr(newGroup('and', [cond('age', 'between', '7', '7')]), columns).errors, {});
});

test('a rebuilt condition keeps numbers as numbers while its column is not known (runner offline)', () => {
  const tree = fromExpr({
    and: [
      { column: 'age', op: '>=', value: 60 },
      { column: 'score', op: 'between', value: [1.5, 2] },
      { column: 'smoker', op: '=', value: true },
      { column: 'site', op: '=', value: '60' },
    ],
  });
  const { expr } = toExpr(tree, []); // no columns known yet
  assert.equal(expr, {
    and: [
      { column: 'age', op: '>=', value: 60 },
      { column: 'score', op: 'between', value: [1.5, 2] },
      { column: 'smoker', op: '=', value: true },
      { column: 'site', op: '=', value: '60' },
    ],
  });
});

test.run();
