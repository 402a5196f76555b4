import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskView } from '@simpul/protocol';
import { createHub, type Hub } from '../server.ts';
import { call, login, register } from '../testing/http.ts';
import {
  collectOffers,
  connectRunner,
  connectWeb,
  runnerAuth,
  type RunnerClient,
  type WebClient,
} from '../testing/sockets.ts';
import { startTestHub, tempDir, testConfig, waitFor } from '../testing/support.ts';
import type { WorkHint } from '../queue/notifier.ts';
import { WebListeners } from './web-listeners.ts';

/** Two hubs on one PostgreSQL schema; no periodic dispatch and slow heartbeats, so that only the relay moves work. */
async function twoHubs(env: Record<string, string> = {}) {
  const { config, cleanup } = testConfig('postgres', {
    SIMPUL_REAPER_INTERVAL_MS: '120000',
    SIMPUL_HEARTBEAT_S: '60',
    ...env,
  });
  let a: Hub | undefined;
  let b: Hub;
  try {
    a = await createHub(config, { drainMs: 2000 });
    b = await createHub({ ...config, dataDir: tempDir() }, { drainMs: 2000 });
  } catch (err) {
    await a?.close();
    await cleanup();
    throw err;
  }
  const sockets: { close(): void }[] = [];
  return {
    a,
    b,
    sockets,
    async close() {
      for (const s of sockets) s.close();
      await Promise.all([a.close(), b.close()]);
      await cleanup();
    },
  };
}

async function runnerOn(
  hub: Hub,
  sockets: { close(): void }[],
  dataset: string,
): Promise<{ socket: RunnerClient; runnerId: string }> {
  const reg = await register(hub.url, 'test-enrollment-key', `r-${dataset}`, [dataset]);
  const socket = await connectRunner(hub.url, runnerAuth(reg));
  sockets.push(socket);
  return { socket, runnerId: reg.runner_id };
}

test('a task created on hub A is offered to a runner on hub B, and a cancel through A reaches it', async () => {
  const h = await twoHubs();
  try {
    const { socket, runnerId } = await runnerOn(h.b, h.sockets, 'across');
    const offers = collectOffers(socket);
    const cancels: string[] = [];
    socket.on('task:cancel', (m) => cancels.push(m.task_id));
    await socket.emitWithAck('runner:hello', { runner_id: runnerId, leases: [] });
    const admin = await login(h.a.url, 'admin', 'admin-password');
    const created = await call(h.a.url, 'POST', '/api/v1/tasks', {
      token: admin.token,
      body: { op: 100, params: { dataset: 'across' } },
    });
    const offer = await waitFor('the offer on hub B', () => offers[0]);
    assert.is(offer.task_id, created.body.task_id);
    await call(h.a.url, 'POST', `/api/v1/tasks/${offer.task_id}/cancel`, { token: admin.token });
    await waitFor('the cancel on hub B', () => cancels.includes(offer.task_id));
  } finally {
    await h.close();
  }
});

test('the relay carries the work hint: hub B asks only the runners that may take it; unknown work stays a full round', async () => {
  const h = await twoHubs();
  try {
    const heard: (WorkHint | undefined)[] = [];
    h.b.ctx.events.on('available', (hint) => heard.push(hint));
    const { socket, runnerId } = await runnerOn(h.b, h.sockets, 'hinted');
    const offers = collectOffers(socket);
    await socket.emitWithAck('runner:hello', { runner_id: runnerId, leases: [] });
    const admin = await login(h.a.url, 'admin', 'admin-password');
    const created = await call(h.a.url, 'POST', '/api/v1/tasks', {
      token: admin.token,
      body: [
        { op: 100, params: { dataset: 'hinted' } },
        { op: 100, params: { dataset: 'elsewhere' } },
        { op: 100, params: { dataset: 'hinted' }, runner_id: runnerId },
      ],
    });
    assert.ok(created.status < 300, JSON.stringify(created.body));
    await waitFor('a task for the runner on hub B', () => offers.length >= 1);
    const hint = heard.find((x) => x !== undefined);
    assert.ok(hint, `hub B heard a hint (${JSON.stringify(heard)})`);
    assert.equal(hint.runners, [runnerId]);
    assert.equal([...hint.datasets].sort(), ['elsewhere', 'hinted']);
    // Work of unknown takers on A (here: the event without a hint) reaches B without one; so does a hint B cannot read.
    heard.length = 0;
    h.a.ctx.events.available();
    await waitFor('the full round relayed', () => heard.length > 0);
    assert.is(heard[0], undefined);
    heard.length = 0;
    h.a.io.of('/cluster').serverSideEmit('hub:available', { runners: 'not a list' });
    await waitFor('the unreadable hint relayed', () => heard.length > 0);
    assert.is(heard[0], undefined, 'an unreadable hint is a full round, never a lost wake-up');
  } finally {
    await h.close();
  }
});

test('a hub with no web users of its own still sends updates when another hub has some', async () => {
  const h = await twoHubs();
  try {
    const admin = await login(h.b.url, 'admin', 'admin-password');
    const web: WebClient = await connectWeb(h.b.url, { token: admin.token });
    h.sockets.push(web);
    const seen: string[] = [];
    web.on('task:update', (t) => seen.push(TaskView.parse(t).task_id));
    await waitFor('hub A to hear of the listener on hub B', () => h.a.ctx.cluster?.webListening());
    const created = await call(h.a.url, 'POST', '/api/v1/tasks', {
      token: admin.token,
      body: { op: 100, params: { dataset: 'nobody' } },
    });
    await waitFor('the update made on hub A, seen on hub B', () => seen.includes(created.body.task_id));
  } finally {
    await h.close();
  }
});

test('a logout on hub A ends the session on hub B at once: B forgets the credential it kept', async () => {
  const h = await twoHubs();
  try {
    const { token } = await login(h.a.url, 'admin', 'admin-password');
    assert.is((await call(h.b.url, 'GET', '/api/v1/auth/me', { token })).status, 200); // B now keeps it for a second
    const told = new Promise<unknown>((resolve, reject) => {
      const off = h.b.ctx.events.on('signedOutElsewhere', (who) => (off(), resolve(who)));
      setTimeout(() => reject(new Error('hub B was not told of the logout')), 10_000).unref();
    });
    assert.is((await call(h.a.url, 'POST', '/api/v1/auth/logout', { token })).status, 200);
    assert.ok('credentialId' in ((await told) as object));
    assert.is((await call(h.b.url, 'GET', '/api/v1/auth/me', { token })).status, 401);
  } finally {
    await h.close();
  }
});

test('no relay on SQLite, nor with SIMPUL_CLUSTER=off', async () => {
  const lone = await startTestHub();
  const { config, cleanup } = testConfig('postgres', { SIMPUL_CLUSTER: 'off' });
  try {
    assert.is(lone.ctx.cluster, undefined);
    const off = await createHub(config, { drainMs: 2000 });
    assert.is(off.ctx.cluster, undefined);
    await off.close();
  } finally {
    await lone.cleanup();
    await cleanup();
  }
});

test('web listeners of other hubs expire unless repeated', () => {
  const l = new WebListeners();
  assert.not.ok(l.any(0));
  l.heard('hub-1', true, 0);
  assert.ok(l.any(1000));
  assert.not.ok(l.any(60_000), 'a hub that went silent (killed) no longer counts');
  l.heard('hub-2', true, 0);
  l.heard('hub-2', false, 10);
  assert.not.ok(l.any(20));
});

test.run();
