import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { duration, elapsedMs, relativeTime, shortId } from './format.ts';

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

test.run();
