import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hintFor, hintMatches, Notifier } from './notifier.ts';

const a = { id: 'rnr_a', datasets: ['weather'] };
const b = { id: 'rnr_b', datasets: ['cars'] };

test('a hint names targeted runners and the datasets of untargeted tasks', () => {
  const hint = hintFor([
    { target_runner_id: null, dataset: 'weather' },
    { target_runner_id: 'rnr_b', dataset: 'weather' },
    { target_runner_id: null, dataset: 'weather' },
  ]);
  assert.equal(hint, { runners: ['rnr_b'], datasets: ['weather'] });
  assert.ok(hintMatches(hint, a), 'serves the dataset');
  assert.ok(hintMatches(hint, b), 'named');
  assert.not.ok(hintMatches(hint, { id: 'rnr_c', datasets: ['cars'] }));
  assert.ok(hintMatches(undefined, { id: 'rnr_c', datasets: [] }), 'no hint: anyone may take it');
});

test('waitAvailable wakes only the waiters the work is for', async () => {
  const n = new Notifier();
  const woke: string[] = [];
  const waitA = n.waitAvailable(10_000, undefined, a).then(() => woke.push('a'));
  const waitB = n.waitAvailable(10_000, undefined, b).then(() => woke.push('b'));
  n.available({ runners: [], datasets: ['cars'] });
  await waitB;
  await new Promise((r) => setImmediate(r));
  assert.equal(woke, ['b'], 'the weather runner sleeps on');
  n.available();
  await waitA;
  assert.equal(woke, ['b', 'a']);
});

test('availableAt announces work when its backoff ends: each moment once, never before', async () => {
  const n = new Notifier();
  const at: number[] = [];
  n.on('available', () => at.push(Date.now()));
  const now = Date.now();
  n.availableAt(now + 300, now);
  n.availableAt(now + 100, now);
  n.availableAt(now + 101, now); // the same 50 ms slot as the one before, or the next
  n.availableAt(now + 300, now);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(at.length >= 2 && at.length <= 3, `${at.length} announcements`);
  assert.ok(at[0] - now >= 100, 'not before it is due');
  assert.ok(at[at.length - 1] - now >= 300, 'the later moment is announced too');
});

test('a wait ends at its timeout or when its signal aborts', async () => {
  const n = new Notifier();
  const t0 = Date.now();
  await n.waitAvailable(30, undefined, a);
  assert.ok(Date.now() - t0 >= 25);
  const ctl = new AbortController();
  const waiting = n.waitAvailable(10_000, ctl.signal, a);
  ctl.abort();
  await waiting;
});

test.run();
