import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columnWidths, nextSort, pageBounds, sortedOrder, visibleWindow } from './table-view.ts';

const rows = [
  [3, 'b'],
  [null, 'a'],
  [10, 'C'],
  ['9007199254740993', null],
  [1, 'item 10'],
  [2, 'item 9'],
];

test('numbers sort as numbers (big integers sent as text too), nulls last both ways, ties stable', () => {
  assert.equal(sortedOrder(rows, { column: 0, dir: 'asc' }, true), [4, 5, 0, 2, 3, 1]);
  assert.equal(sortedOrder(rows, { column: 0, dir: 'desc' }, true), [3, 2, 0, 5, 4, 1]);
  assert.equal(sortedOrder(rows, null, true), [0, 1, 2, 3, 4, 5]);
  assert.equal(sortedOrder([[1], [1], [1]], { column: 0, dir: 'desc' }, true), [0, 1, 2]);
});

test('text sorts naturally and without regard to case', () => {
  assert.equal(sortedOrder(rows, { column: 1, dir: 'asc' }, false), [1, 0, 2, 5, 4, 3]);
});

test('100,000 rows sort by a number column in one pass', () => {
  const many = Array.from({ length: 100_000 }, (_, i) => [(i * 7919) % 100_000, `r${i}`]);
  const order = sortedOrder(many, { column: 0, dir: 'asc' }, true);
  assert.is(order.length, 100_000);
  for (let i = 1; i < order.length; i++) assert.ok((many[order[i - 1]][0] as number) <= (many[order[i]][0] as number));
});

test('header presses cycle ascending, descending, off; another column starts ascending', () => {
  const a = nextSort(null, 2);
  assert.equal(a, { column: 2, dir: 'asc' });
  const b = nextSort(a, 2);
  assert.equal(b, { column: 2, dir: 'desc' });
  assert.is(nextSort(b, 2), null);
  assert.equal(nextSort(b, 0), { column: 0, dir: 'asc' });
});

test('pages are clamped; size 0 is everything', () => {
  assert.equal(pageBounds(2500, 0, 1000), { page: 0, pages: 3, start: 0, end: 1000 });
  assert.equal(pageBounds(2500, 9, 1000), { page: 2, pages: 3, start: 2000, end: 2500 });
  assert.equal(pageBounds(2500, 1, 0), { page: 0, pages: 1, start: 0, end: 2500 });
  assert.equal(pageBounds(0, 0, 100), { page: 0, pages: 1, start: 0, end: 0 });
});

test('the visible window covers the viewport plus overscan, and stays inside the rows', () => {
  assert.equal(visibleWindow(0, 340, 34, 100_000, 5), { start: 0, end: 16 });
  const mid = visibleWindow(34 * 50_000, 340, 34, 100_000, 5);
  assert.equal(mid, { start: 49_995, end: 50_016 });
  const end = visibleWindow(34 * 200_000, 340, 34, 100_000, 5);
  assert.ok(end.end === 100_000 && end.start < end.end);
  assert.equal(visibleWindow(0, 340, 34, 0), { start: 0, end: 0 });
});

test('column widths fit the header and the widest sampled value, within bounds', () => {
  const cols = [
    { name: 'id', type: 'BIGINT' },
    { name: 'comment', type: 'VARCHAR' },
    { name: 'x', type: 'DOUBLE' },
  ];
  const data = [
    [1, 'short', null],
    [22, 'a much longer comment than the others, far too long to show in full', 1.5],
  ];
  assert.equal(columnWidths(cols, data), [8, 42, 8]);
});

test.run();
