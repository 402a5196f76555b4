import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DescribeColumn } from '@simpul/protocol';
import { binLabel, histogramBars, isIdLike, signed, topValueColumns } from './column-summary.ts';

const column = (over: Partial<DescribeColumn>): DescribeColumn => ({
  name: 'x',
  type: 'DOUBLE',
  kind: 'number',
  count: 100,
  nulls: 0,
  distinct: 50,
  min: 0,
  max: 1,
  mean: null,
  sd: null,
  q1: null,
  median: null,
  q3: null,
  ...over,
});

test('bin labels read as ranges with real minus signs, not runs of hyphens', () => {
  assert.is(binLabel(-1116, -976), '−1,116 to −976');
  assert.is(binLabel(-0.5, 0.25), '−0.5 to 0.25');
  assert.is(binLabel(0, 10), '0 to 10');
  assert.is(signed(-1234.567), '−1,235');
  assert.is(signed(null), '—');
});

test('a 0/1 column gets one bar per value, counted from the first and last bins', () => {
  const counts = Array.from({ length: 20 }, (_, i) => (i === 0 ? 700 : i === 19 ? 300 : 0));
  const edges = Array.from({ length: 21 }, (_, i) => i / 20);
  const bars = histogramBars({ column: 'smoker', edges, counts }, column({ distinct: 2 }));
  assert.equal(bars, { labels: ['0', '1'], counts: [700, 300], byValue: true });
  // A suppressed value stays withheld.
  const hidden = histogramBars(
    { column: 'smoker', edges, counts: [null, ...counts.slice(1)] },
    column({ distinct: 2 }),
  );
  assert.equal(hidden.counts, [null, 300]);
});

test('a column of one value gets one bar; a column with values between the ends keeps its bins', () => {
  const one = histogramBars({ column: 'c', edges: [5, 5], counts: [42] }, column({ distinct: 1, min: 5, max: 5 }));
  assert.equal(one, { labels: ['5'], counts: [42], byValue: true });
  // Distinct says two, but the middle bins hold rows (a rounded count): draw the bins as they are.
  const odd = histogramBars({ column: 'c', edges: [0, 1, 2, 3], counts: [1, 4, 1] }, column({ distinct: 2 }));
  assert.is(odd.byValue, false);
  assert.equal(odd.labels, ['0 to 1', '1 to 2', '2 to 3']);
  // Without the column's summary, bins.
  assert.is(histogramBars({ column: 'c', edges: [0, 1, 2], counts: [3, 4] }).byValue, false);
});

test('an id-like column (nearly every value distinct, or every top value seen once) gets no top values', () => {
  const id = column({
    name: 'patient_id',
    kind: 'string',
    distinct: 5000,
    count: 5000,
    top: [{ value: 'P1', count: 1 }],
  });
  const nearly = column({
    name: 'email',
    kind: 'string',
    distinct: 4700,
    count: 5000,
    top: [{ value: 'a', count: 2 }],
  });
  const once = column({
    name: 'code',
    kind: 'string',
    distinct: null,
    count: 10,
    top: [
      { value: 'a', count: 1 },
      { value: 'b', count: 1 },
    ],
  });
  const site = column({
    name: 'site',
    kind: 'string',
    distinct: 4,
    count: 5000,
    top: [{ value: 'east', count: 1300 }],
  });
  const flag = column({ name: 'smoker', kind: 'boolean', distinct: 2, count: 2, top: [{ value: true, count: 1 }] });
  assert.ok(isIdLike(id));
  assert.ok(isIdLike(nearly));
  assert.ok(isIdLike(once));
  assert.not.ok(isIdLike(site));
  assert.equal(
    topValueColumns([id, nearly, once, site]).map((c) => c.name),
    ['site'],
  );
  assert.ok(isIdLike(flag), 'two rows, two values: nothing is frequent');
});

test.run();
