import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bytes,
  cellText,
  duration,
  elapsedMs,
  percent,
  pStat,
  relativeTime,
  shortId,
  stat,
  withThousands,
} from './format.ts';

const now = Date.parse('2026-03-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

test('relative times read like speech', () => {
  assert.is(relativeTime(null, now), 'never');
  assert.is(relativeTime(ago(2_000), now), 'just now');
  assert.is(relativeTime(ago(12_000), now), '12 s ago');
  assert.is(relativeTime(ago(150_000), now), '2 min ago');
  assert.is(relativeTime(ago(3 * 3600_000), now), '3 h ago');
  assert.is(relativeTime(ago(4 * 86400_000), now), '4 d ago');
});

test('durations and elapsed time', () => {
  assert.is(duration(420), '0.4 s');
  assert.is(duration(12_000), '12 s');
  assert.is(duration(185_000), '3 min 05 s');
  assert.is(duration(2 * 3600_000 + 7 * 60_000), '2 h 07 min');
  const task = { created_at: ago(60_000), started_at: ago(30_000), finished_at: null };
  assert.is(elapsedMs(task, now), 30_000);
  assert.is(elapsedMs({ ...task, finished_at: ago(10_000) }, now), 20_000);
  assert.is(elapsedMs({ ...task, started_at: null }, now), 60_000);
  assert.is(shortId('tsk_0123456789abcdef'), 'tsk_0123');
});

test('elapsed time of a finished task is its current attempt, as the Attempts list shows it', () => {
  // Claimed at 12.0 s ago, first progress (started_at) at 11.8 s, finished 11.7 s ago: took 0.3 s, not 0.1 s.
  const attempts = [
    { attempt: 1, started_at: ago(40_000), ended_at: ago(30_000) },
    { attempt: 2, started_at: ago(12_000), ended_at: ago(11_700) },
  ];
  const task = { created_at: ago(50_000), started_at: ago(11_800), finished_at: ago(11_700), attempt: 2, attempts };
  assert.is(elapsedMs(task, now), 300);
  assert.is(duration(elapsedMs(task, now)), '0.3 s');
  // Running: from the current attempt's claim to now. Attempts not (yet) known for the current one: started_at.
  assert.is(elapsedMs({ ...task, finished_at: null }, now), 12_000);
  assert.is(elapsedMs({ ...task, finished_at: null, attempt: 3 }, now), 11_800);
});

test('numbers in progress messages get thousands separators', () => {
  assert.is(withThousands('1342676 of 3000000 rows match'), '1,342,676 of 3,000,000 rows match');
  assert.is(withThousands('iteration 12 of 300'), 'iteration 12 of 300');
  assert.is(withThousands('1,342,676 rows; 0.12345 and 12345.5'), '1,342,676 rows; 0.12345 and 12345.5');
});

test('statistics, sizes and shares read well', () => {
  assert.is(stat(null), '—');
  assert.is(stat(1234567), '1,234,567');
  assert.is(stat(0.0123456), '0.01235');
  assert.is(stat(1.23456, 3), '1.23');
  assert.is(stat(0.00001234), '1.234e-5');
  assert.is(stat(-5736.897), '-5,737');
  assert.is(pStat(0), '<0.0001');
  assert.is(pStat(3e-9), '<0.0001');
  assert.is(pStat(0.0123456), '0.01235');
  assert.is(pStat(null), '—');
  assert.is(bytes(512), '512 B');
  assert.is(bytes(1536), '1.5 KB');
  assert.is(bytes(5 * 1024 * 1024), '5.0 MB');
  assert.is(percent(0.98245), '98.2%');
  assert.is(cellText(true), 'true');
});

test.run();
