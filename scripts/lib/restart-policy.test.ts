// The restart policy of `npm start`: backoff doubles within a streak, is capped, and a quiet spell resets it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RestartPolicy } from './restart-policy.ts';

const opts = { firstDelayMs: 1000, maxDelayMs: 5000, windowMs: 60_000, maxRestarts: 4 };

test('delays double within a streak, up to the maximum', () => {
  const p = new RestartPolicy(opts);
  const delays = [0, 2000, 5000, 11_000].map((t) => p.onExit(t));
  assert.equal(
    delays.map((d) => (d.restart ? d.delayMs : -1)),
    [1000, 2000, 4000, 5000],
  );
  assert.equal(
    delays.map((d) => (d.restart ? d.attempt : -1)),
    [1, 2, 3, 4],
  );
});

test('too many exits in quick succession: the child stays down, with a reason', () => {
  const p = new RestartPolicy(opts);
  for (let i = 0; i < 4; i++) assert.ok(p.onExit(i * 1000).restart);
  const d = p.onExit(5000);
  assert.is(d.restart, false);
  if (!d.restart) assert.match(d.reason, /5 times within 60 s/);
  // Still down on a later quick exit (the streak goes on).
  assert.is(p.onExit(6000).restart, false);
});

test('a child that stayed up longer than the window starts a new streak', () => {
  const p = new RestartPolicy(opts);
  for (let i = 0; i < 4; i++) p.onExit(i * 1000);
  const d = p.onExit(3000 + 60_001);
  assert.equal(d, { restart: true, delayMs: 1000, attempt: 1 });
});

test('defaults restart a killed child after a second', () => {
  assert.equal(new RestartPolicy().onExit(Date.now()), { restart: true, delayMs: 1000, attempt: 1 });
});

test.run();
