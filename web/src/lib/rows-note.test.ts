import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RowsResult } from '@simpul/protocol';
import { nextPage, rowsNote } from './rows-note.ts';

const rows = (n: number) => Array.from({ length: n }, (_, i) => [i]);
const base = { columns: [{ name: 'i', type: 'BIGINT', kind: 'number' as const }], offset: 0 };
const blob = { url: '/api/v1/result/t/download', bytes: 1, sha256: 'a', format: 'parquet', rows: 100_000 };

test('rows inline cut by size: the first rows are shown, the full result is in the download, and why it is smaller', () => {
  const r: RowsResult = {
    ...base,
    rows: rows(6082),
    total_rows: 3_000_000,
    matched_rows: 1_342_676,
    blob,
    row_counts: { limit: 100_000, full: 100_000, inline: 6082, full_cut: 'limit', inline_cut: 'inline_max' },
  };
  assert.is(
    rowsNote(r),
    'The first 6,082 rows are shown; the full 100,000 are in the download (limit 100,000 of 1,342,676 matching rows).',
  );
  assert.equal(nextPage(r, 6082), { offset: 6082, limit: 6082 });
  assert.is(
    rowsNote(r, 12_164, 6082),
    'Showing 12,164 of 1,342,676 matching rows (limit 100,000; 6,082 more loaded). The full result (100,000 rows) is in the download.',
  );
});

test('a page cut by the limit, by the owner, or the whole match', () => {
  const r: RowsResult = {
    ...base,
    rows: rows(100),
    total_rows: 5000,
    matched_rows: 337,
    row_counts: { limit: 100, full: 100, inline: 100, full_cut: 'limit' },
  };
  assert.is(rowsNote(r), 'Showing 100 of 337 matching rows (limit 100).');
  assert.equal(nextPage(r, 100), { offset: 100, limit: 100 });
  assert.is(rowsNote(r, 200, 100), 'Showing 200 of 337 matching rows (limit 100; 100 more loaded).');
  assert.is(nextPage(r, 337), null, 'every match shown');
  const capped = { ...r, row_counts: { limit: 1000, full: 100, inline: 100, full_cut: 'max_rows' as const } };
  assert.is(rowsNote(capped), "Showing 100 of 337 matching rows (the data owner's cap of rows per task).");
  const all = { ...r, rows: rows(37), matched_rows: 37, row_counts: { limit: 100, full: 37, inline: 37 } };
  assert.is(rowsNote(all), 'Showing all 37 matching rows (5,000 rows in the dataset).');
  assert.is(nextPage(all, 37), null);
  const fetched: RowsResult = { ...base, rows: rows(10), total_rows: 5000, offset: 20 };
  assert.is(rowsNote(fetched), 'Showing 10 of 5,000 rows, from row 21.');
});

test.run();
