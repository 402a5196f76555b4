// A runner the hub stopped pushing to (it refused or missed an offer, or a lease of its ran out) is offered work again as
// soon as it is plainly alive, even while it is quiet (no lease, heartbeats only every SIMPUL_IDLE_HEARTBEAT_S): when it
// answers the transport's ping, and at once when the lapsed lease was held by an earlier connection (a restart).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, login, register } from '../testing/http.ts';
import { collectOffers, connectRunner, runnerAuth, type RunnerClient } from '../testing/sockets.ts';
import { startTestHub, waitFor } from '../testing/support.ts';

const hello = (socket: RunnerClient, runnerId: string) =>
  socket.emitWithAck('runner:hello', { runner_id: runnerId, leases: [], concurrency: 1 } as never);

test('a runner that restarts while its old lease lapses is offered the task again without a heartbeat', async () => {
  // Pings far apart: only the connection's age can tell that the new socket did not let the lease lapse.
  const hub = await startTestHub({
    SIMPUL_LEASE_TTL_S: '3',
    SIMPUL_BACKOFF_BASE_MS: '100',
    SIMPUL_SOCKET_PING_S: '60',
  });
  try {
    const admin = (await login(hub.url, 'admin', 'admin-password')).token;
    const reg = await register(hub.url, 'test-enrollment-key', 'restarting', ['restart']);
    const first = await connectRunner(hub.url, runnerAuth(reg));
    const firstOffers = collectOffers(first);
    await hello(first, reg.runner_id);
    const created = await call(hub.url, 'POST', '/api/v1/tasks', {
      token: admin,
      body: { op: 100, runner_id: reg.runner_id, params: { dataset: 'restart' } },
    });
    assert.is(created.status, 201, JSON.stringify(created.body));
    await waitFor('the first offer', async () => firstOffers.length === 1, 20_000, 20);
    // The process dies holding the task; a new one connects and says it holds nothing.
    first.disconnect();
    const second = await connectRunner(hub.url, runnerAuth(reg));
    try {
      const offers = collectOffers(second);
      await hello(second, reg.runner_id);
      // The lease lapses (3 s), the task is queued again and offered to the new socket, which has not spoken since.
      await waitFor('the task offered to the restarted runner', async () => offers.length === 1, 15_000, 50);
      assert.is(offers[0].task_id, created.body.task_id);
      assert.is(offers[0].attempt, 2);
    } finally {
      second.close();
    }
  } finally {
    await hub.cleanup();
  }
});

test('a quiet runner that refused an offer is offered again once it answers a ping', async () => {
  const hub = await startTestHub({ SIMPUL_SOCKET_PING_S: '1' });
  try {
    const admin = (await login(hub.url, 'admin', 'admin-password')).token;
    const reg = await register(hub.url, 'test-enrollment-key', 'choosy', ['choosy']);
    const socket = await connectRunner(hub.url, runnerAuth(reg));
    try {
      let refuse = true;
      const offers = collectOffers(socket, () => !refuse);
      await hello(socket, reg.runner_id);
      const created = await call(hub.url, 'POST', '/api/v1/tasks', {
        token: admin,
        body: { op: 100, params: { dataset: 'choosy' } },
      });
      assert.is(created.status, 201, JSON.stringify(created.body));
      await waitFor('the offer it refuses', async () => offers.length === 1, 20_000, 20);
      refuse = false;
      // No heartbeat, no message: the next ping's answer is what makes the hub offer it again.
      await waitFor('the offer again', async () => offers.length === 2, 20_000, 50);
      assert.is(offers[1].task_id, created.body.task_id);
      const task = await call(hub.url, 'GET', `/api/v1/tasks/${created.body.task_id}`, { token: admin });
      assert.is(task.body.status, 'leased');
    } finally {
      socket.close();
    }
  } finally {
    await hub.cleanup();
  }
});

test.run();
