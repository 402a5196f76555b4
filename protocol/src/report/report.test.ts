import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatNumber, formatPValue, fieldLabel, niceTicks, reportCsv, sheetName } from '../index.ts';

test('numbers for people: thousands separators, 4 significant digits, p-values as statistics packages print them', () => {
  assert.is(formatNumber(1342676), '1,342,676');
  assert.is(formatNumber(12345.678), '12,350');
  assert.is(formatNumber(0.30781), '0.3078');
  assert.is(formatNumber(null), '—');
  assert.is(formatPValue(1.3e-60), '<0.0001');
  assert.is(formatPValue(0.04321), '0.04321');
});

test('labels: field names as words', () => {
  assert.is(fieldLabel('std_error'), 'Std. error');
  assert.is(fieldLabel('adj_r2'), 'Adjusted R²');
  assert.is(fieldLabel('some_new_field'), 'Some new field');
});

test('axis ticks: several round values inside the range', () => {
  assert.equal(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(-1116, 976, 4), [-1000, -500, 0, 500]);
  assert.ok(niceTicks(0.4, 9.5, 5).length >= 4);
});

test('sheet names fit Excel: 31 characters, no []:*?/\\, unique', () => {
  const taken = new Set<string>();
  assert.is(sheetName('Groups', taken), 'Groups');
  assert.is(sheetName('groups', taken), 'groups 2');
  assert.is(sheetName('a/b:c', taken), 'a b c');
});

test('a sectioned CSV: the summary first, each section headed, fields quoted when they need it', () => {
  const csv = reportCsv({
    meta: { title: 'T', description: 'x, y', dataset: 'd', created_at: '2026-01-01T00:00:00.000Z' },
    notes: ['Disclosure control: "nothing".'],
    sections: [{ name: 'Metrics', title: 'M', table: { columns: ['Metric', 'Value'], rows: [['R²', 0.5]] } }],
  });
  assert.is(
    csv,
    '# Summary\r\nField,Value\r\nTitle,T\r\nDescription,"x, y"\r\nDataset,d\r\nGenerated at,2026-01-01T00:00:00.000Z\r\nNote,"Disclosure control: ""nothing""."\r\n\r\n# Metrics\r\nMetric,Value\r\nR²,0.5\r\n',
  );
});

test.run();
