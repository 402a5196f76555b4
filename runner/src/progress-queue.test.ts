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

test('a quick task sends no report before its result', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(0, 'started');
  q.push(10);
  q.push(50);
  await new Promise((res) => setTimeout(res, 30));
  assert.equal(r.sent, [], 'the start and midway reports wait out the quiet start');
  await q.done();
  assert.equal(r.sent, [], 'done drops the waiting report');
  assert.equal(q.latest, { percent: 100, message: 'done' });
});

test('done awaits the report in flight and drops the one waiting behind it', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(40);
  const flushed = q.flush(); // sends the 40 % report now
  q.push(60);
  await q.done();
  assert.equal(r.sent, [40], 'done resolved after the report in flight had been sent, and the 60 % one was dropped');
  await flushed;
  assert.equal(r.sent, [40]);
});

test('a slow task reports once past the quiet start, one at a time, latest wins', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 30);
  q.push(0, 'started');
  q.push(10);
  await new Promise((res) => setTimeout(res, 80));
  assert.equal(r.sent, [10], 'the latest report went out after the quiet start, the start report superseded by it');
  q.push(40);
  q.push(60);
  q.push(70);
  await q.flush();
  assert.is(r.sent.at(-1), 70);
  assert.not.ok(r.sent.includes(60) && r.sent.includes(40), 'reports waiting behind one in flight are coalesced');
  assert.is(r.max(), 1);
});

test("a 100 % report of a quick task waits too, and its result supersedes it; a slow task's goes after the quiet start", async () => {
  const quick = recorder();
  const q = new ProgressQueue(quick.send, 60_000);
  q.push(100, 'done');
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(quick.sent, []);
  await q.done();
  assert.equal(quick.sent, [], 'no round trip before the result');
  const slow = recorder();
  const s = new ProgressQueue(slow.send, 20);
  s.push(100, 'done');
  await new Promise((res) => setTimeout(res, 60));
  assert.equal(slow.sent, [100]);
});

test('flush sends a midway report that is still waiting', async () => {
  const r = recorder();
  const q = new ProgressQueue(r.send, 60_000);
  q.push(30, 'waiting');
  await q.flush();
  assert.equal(r.sent, [30]);
});

test.run();
