// Progress reports: ordered, one at a time, coalesced, and no midway chatter from quick tasks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProgressQueue } from './progress-queue.ts';

function recorder() {
  const sent: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (p: number) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    sent.push(p);
    inFlight--;
  };
  return { sent, send, max: () => maxInFlight };
}

test('a quick task sends its start and its end, not the midway reports', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(0);
  q.push(10);
  q.push(50);
  q.push(100);
  await q.flush();
  assert.equal(r.sent, [0, 100]);
});

test('midway reports wait out the quiet start also behind a report in flight; done drops them and awaits that one', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(0);
  q.push(10);
  await new Promise((res) => setTimeout(res, 30)); // the start report's round trip is over
  q.push(90);
  assert.equal(r.sent, [0], 'the 10% report did not follow the start report');
  q.push(95);
  await q.done();
  assert.equal(r.sent, [0]);
  assert.equal(q.latest, { percent: 100, message: 'done' });

  const s = recorder();
  const q2 = new ProgressQueue(s.send, 60_000);
  q2.push(0);
  q2.push(50);
  await q2.done(); // while the start report is still in flight
  assert.equal(s.sent, [0], 'done resolved after the report in flight had been sent');
});

test('a slow task sends midway reports once past the quiet start, one at a time, latest wins', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 30);
  q.push(0);
  q.push(10);
  await new Promise((res) => setTimeout(res, 80));
  q.push(40);
  q.push(60);
  q.push(70);
  await q.flush();
  assert.is(r.sent[0], 0);
  assert.ok(r.sent.includes(10), `the 10% report went out after the quiet start: ${r.sent}`);
  assert.is(r.sent.at(-1), 70);
  assert.not.ok(r.sent.includes(60) && r.sent.includes(40), 'reports waiting behind one in flight are coalesced');
  assert.is(r.max(), 1);
});

test('flush sends a midway report that is still waiting', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(30, 'waiting');
  await q.flush();
  assert.equal(r.sent, [30]);
});

test.run();
