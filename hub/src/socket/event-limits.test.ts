// Per-socket event limits for runners (issue #16, attack 10): a flood of events from one runner socket is answered
// `rate_limited`, not run, and ends with the socket closed; the hub keeps answering /healthz meanwhile.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { register } from '../testing/http.ts';
import { connectRunner, runnerAuth } from '../testing/sockets.ts';

const test = suite<{ hub: TestHub }>('runner socket event limits', {} as { hub: TestHub });
test.before(async (c) => {
  c.hub = await startTestHub();
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('attack 10: 9,000 pings in a burst: the excess is refused, the socket closed, /healthz stays quick', async ({
  hub,
}) => {
  const reg = await register(hub.url, 'test-enrollment-key', 'flooder', ['flood']);
  const socket = await connectRunner(hub.url, runnerAuth(reg));
  let told: { code: string } | undefined;
  let closed = false;
  socket.on('runner:rate_limited', (info) => (told = info));
  socket.on('disconnect', () => (closed = true));
  const answers = { ok: 0, limited: 0 };
  for (let i = 0; i < 9000; i++) {
    socket.emit('runner:ping', { runner_id: reg.runner_id, leases: [] }, (reply: unknown) => {
      if ((reply as { error?: { code: string } }).error?.code === 'rate_limited') answers.limited++;
      else answers.ok++;
    });
  }
  const t0 = Date.now();
  const health = await fetch(`${hub.url}/healthz`);
  const healthMs = Date.now() - t0;
  assert.is(health.status, 200);
  await waitFor('the socket to be closed', () => closed, 10_000);
  assert.ok(healthMs < 1500, `/healthz took ${healthMs} ms`);
  assert.is(told?.code, 'rate_limited');
  assert.ok(answers.ok <= 150, `${answers.ok} pings were run`);
  assert.ok(answers.limited >= 400, `${answers.limited} pings were refused`);
  socket.close();
});

test('a runner within its rates is never refused: a burst of 500 claims, and pings at a heartbeat pace', async ({
  hub,
}) => {
  const reg = await register(hub.url, 'test-enrollment-key', 'polite', ['polite']);
  const socket = await connectRunner(hub.url, runnerAuth(reg));
  await socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [] });
  const replies = await Promise.all(Array.from({ length: 500 }, () => socket.emitWithAck('task:claim', { limit: 1 })));
  assert.ok(
    replies.every((r) => !('error' in r)),
    'claims in a burst of 500 pass',
  );
  for (let i = 0; i < 5; i++) {
    const r = await socket.emitWithAck('runner:ping', { runner_id: reg.runner_id, leases: [] });
    assert.not.ok('error' in r);
  }
  assert.ok(socket.connected);
  socket.close();
});

test.run();
