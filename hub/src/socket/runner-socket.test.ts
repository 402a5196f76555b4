import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PingReply, PROTOCOL_VERSION, ResultReply, type ErrorBody, type TaskOffer } from '@simpul/protocol';
import { rowsResult, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { collectOffers, connectRunner, runnerAuth, type ConnectError, type RunnerClient } from '../testing/sockets.ts';

interface Ctx {
  hub: TestHub;
  token: string;
  sockets: RunnerClient[];
}
const test = suite<Ctx>('socket /runner', {} as Ctx);
test.before(async (c) => {
  // Several runners serve one dataset name here, each a site at once (trust on first use: study-trust.test.ts).
  c.hub = await startTestHub({
    SIMPUL_SITE_APPROVAL: 'auto',
    SIMPUL_HEARTBEAT_S: '1',
    SIMPUL_LEASE_TTL_S: '4',
    SIMPUL_OFFER_TIMEOUT_MS: '600',
    SIMPUL_BACKOFF_BASE_MS: '100',
  });
  c.token = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.before.each((c) => {
  c.sockets = [];
});
test.after.each((c) => {
  for (const s of c.sockets) s.close();
});
test.after(async (c) => {
  await c.hub.cleanup();
});

async function online(c: Ctx, name: string, datasets: string[], concurrency = 1) {
  const reg = await register(c.hub.url, 'test-enrollment-key', name, datasets);
  const socket = await connectRunner(c.hub.url, runnerAuth(reg));
  c.sockets.push(socket);
  return {
    reg,
    socket,
    hello: (leases: { task_id: string; lease_token: string }[] = []) =>
      socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases, concurrency } as never),
  };
}

const create = async (c: Ctx, body: unknown) =>
  (await call(c.hub.url, 'POST', '/api/v1/tasks', { token: c.token, body })).body;
const taskView = async (c: Ctx, id: string) =>
  (await call(c.hub.url, 'GET', `/api/v1/tasks/${id}`, { token: c.token })).body;

async function refusal(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return err as ConnectError;
  }
  throw new Error('expected the connection to be refused');
}

test('handshake refusals: bad token, wrong runner id, missing auth, protocol mismatch', async ({ hub }) => {
  const reg = await register(hub.url, 'test-enrollment-key', 'h');
  const bad = await refusal(connectRunner(hub.url, { ...runnerAuth(reg), token: 'smr_forged' }));
  assert.is(bad.data?.code, 'unauthorized');
  const other = await refusal(connectRunner(hub.url, { ...runnerAuth(reg), runner_id: 'rnr_else' }));
  assert.is(other.data?.code, 'unauthorized');
  const none = await refusal(connectRunner(hub.url, {}));
  assert.is(none.data?.code, 'unauthorized');
  const newer = await refusal(connectRunner(hub.url, { ...runnerAuth(reg), protocol_version: PROTOCOL_VERSION + 1 }));
  assert.is(newer.data?.code, 'protocol_mismatch');
  assert.match(newer.data!.message, 'upgrade the hub');
  await hub.db.updateTable('runners').set({ revoked_at: Date.now() }).where('id', '=', reg.runner_id).execute();
  const revoked = await refusal(connectRunner(hub.url, runnerAuth(reg)));
  assert.is(revoked.data?.code, 'unauthorized');
  assert.match(revoked.data!.message, 'revoked');
});

test('push on create with ack; progress and result over the socket', async (c) => {
  const r = await online(c, 'pushed', ['push']);
  const offers = collectOffers(r.socket);
  const hello = PingReply.parse(await r.hello());
  assert.is(hello.heartbeat_interval_s, 1);
  const runner = await call(c.hub.url, 'GET', `/api/v1/runners/${r.reg.runner_id}`, { token: c.token });
  assert.is(runner.body.transport, 'websocket');
  assert.is(runner.body.online, true);
  // The hub let go of the HTTP request that opened the connection (a fleet's heap would carry them all).
  const held = [...c.hub.io.of('/runner').sockets.values()].find((s) => s.data.runner?.id === r.reg.runner_id);
  assert.ok(held, "the hub's side of the socket");
  assert.is((held.conn as unknown as { request: unknown }).request, null);

  const created = await create(c, { op: 100, params: { dataset: 'push' } });
  const offer = await waitFor('offer', () => offers[0]);
  assert.is(offer.task_id, created.task_id);
  assert.is(offer.attempt, 1);
  assert.is((await taskView(c, offer.task_id)).runner_id, r.reg.runner_id);

  const p = await r.socket.emitWithAck('task:progress', {
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    percent: 30,
  });
  assert.equal((p as { ok: boolean; canceled: boolean }).canceled, false);
  assert.is((await taskView(c, offer.task_id)).status, 'running');
  const res = ResultReply.parse(
    await r.socket.emitWithAck('task:result', {
      task_id: offer.task_id,
      lease_token: offer.lease_token,
      status: 'succeeded',
      result: rowsResult(2),
    }),
  );
  assert.is(res.stored, true);
  const view = await call(c.hub.url, 'GET', `/api/v1/result/${offer.task_id}`, { token: c.token });
  assert.equal(view.body.result, rowsResult(2));
  const stale = (await r.socket.emitWithAck('task:progress', {
    task_id: offer.task_id,
    lease_token: 'lease_x',
    percent: 1,
  })) as unknown as ErrorBody;
  assert.is(stale.error.code, 'stale_lease');
  const bad = (await r.socket.emitWithAck('task:result', { nonsense: true } as never)) as unknown as ErrorBody;
  assert.is(bad.error.code, 'bad_request');
});

test('no ack in time, or a refusal, hands the task back for someone else', async (c) => {
  const silent = await online(c, 'silent', ['handback']);
  const silentOffers = collectOffers(silent.socket, () => 'silent');
  await silent.hello();
  const created = await create(c, { op: 100, params: { dataset: 'handback' } });
  await waitFor('offer to the silent runner', () => silentOffers[0]);
  await waitFor('handed back', async () => (await taskView(c, created.task_id)).status === 'queued');
  const view = await taskView(c, created.task_id);
  assert.is(view.attempt, 0, 'a handed-back offer spends no attempt');
  assert.equal(
    view.attempts.map((a: { outcome: string }) => a.outcome),
    ['released'],
  );

  const refusing = await online(c, 'refusing', ['handback']);
  const refused = collectOffers(refusing.socket, () => false);
  silent.socket.close();
  await refusing.hello();
  await waitFor('offer to the refusing runner', () => refused[0]);
  await waitFor(
    'handed back again',
    async () =>
      (await taskView(c, created.task_id)).attempts.length === 2 &&
      (await taskView(c, created.task_id)).status === 'queued',
  );

  const poller = await register(c.hub.url, 'test-enrollment-key', 'poller', ['handback']);
  const claimed = await call(c.hub.url, 'GET', `/api/v1/tasks?runner_id=${poller.runner_id}&wait=5`, {
    token: poller.token,
  });
  assert.is(claimed.body.tasks[0].task_id, created.task_id);
  assert.is(claimed.body.tasks[0].attempt, 1);
});

test('pushes never exceed the concurrency told in hello; a finished task frees a slot', async (c) => {
  const r = await online(c, 'two-slots', ['slots'], 2);
  const offers = collectOffers(r.socket);
  await r.hello();
  const created = await create(
    c,
    [1, 2, 3].map(() => ({ op: 100, params: { dataset: 'slots' } })),
  );
  await waitFor('two offers', () => offers.length >= 2);
  const third = created.tasks[2].task_id;
  assert.is((await taskView(c, third)).status, 'queued', 'the third waits for a free slot');
  assert.is(offers.length, 2);
  const heldWhenThirdCame: number[] = [];
  r.socket.on('task:offer', async () => {
    heldWhenThirdCame.push(
      (await call(c.hub.url, 'GET', `/api/v1/runners/${r.reg.runner_id}`, { token: c.token })).body.active_tasks,
    );
  });
  await r.socket.emitWithAck('task:result', {
    task_id: offers[0].task_id,
    lease_token: offers[0].lease_token,
    status: 'succeeded',
    result: rowsResult(),
  });
  const last = await waitFor('third offer', () => offers[2]);
  assert.is(last.task_id, third);
  await waitFor('check recorded', () => heldWhenThirdCame.length === 1);
  assert.ok(heldWhenThirdCame[0] <= 2);
});

test('task:release over the socket; concurrency may change in a later ping', async (c) => {
  const r = await online(c, 'releaser', ['sock-rel']);
  const offers = collectOffers(r.socket);
  await r.hello();
  const created = await create(c, { op: 100, params: { dataset: 'sock-rel' } });
  const offer = await waitFor('offer', () => offers[0]);
  // Draining: no new pushes; the held task goes back.
  await r.socket.emitWithAck('runner:ping', {
    runner_id: r.reg.runner_id,
    leases: [{ task_id: offer.task_id, lease_token: offer.lease_token }],
    draining: true,
  });
  const reply = await r.socket.emitWithAck('task:release', {
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    reason: 'draining',
  });
  assert.equal(reply, { ok: true, status: 'queued' });
  assert.is((await taskView(c, created.task_id)).status, 'queued');
  const stale = (await r.socket.emitWithAck('task:release', {
    task_id: offer.task_id,
    lease_token: offer.lease_token,
  })) as unknown as ErrorBody;
  assert.is(stale.error.code, 'stale_lease');
  // Back to work with two slots: the queued task and a new one both come.
  await r.socket.emitWithAck('runner:ping', {
    runner_id: r.reg.runner_id,
    leases: [],
    draining: false,
    concurrency: 2,
  });
  const second = await create(c, { op: 100, params: { dataset: 'sock-rel' } });
  await waitFor('both offered', () => offers.length === 3);
  assert.equal(
    offers
      .slice(1)
      .map((o) => o.task_id)
      .sort(),
    [created.task_id, second.task_id].sort(),
  );
});

test('a runner that goes silent with its socket open loses the task to a live one, and gets no more pushes', async (c) => {
  const silent = await online(c, 'frozen', ['frz']);
  const frozenOffers = collectOffers(silent.socket);
  await silent.hello();
  const created = await create(c, { op: 100, params: { dataset: 'frz' } });
  const first = await waitFor('offer to the soon-frozen runner', () => frozenOffers[0]);
  assert.is(first.task_id, created.task_id);
  // From here on it says nothing (as a SIGSTOPped process would) while a second runner keeps pinging.
  const live = await online(c, 'live', ['frz']);
  const liveOffers = collectOffers(live.socket);
  await live.hello();
  const beat = setInterval(
    () =>
      live.socket.emit(
        'runner:ping',
        {
          runner_id: live.reg.runner_id,
          leases: liveOffers.map((o) => ({ task_id: o.task_id, lease_token: o.lease_token })),
        },
        () => {},
      ),
    300,
  );
  try {
    const second = await waitFor('offer to the live runner', () => liveOffers[0]);
    assert.is(second.task_id, created.task_id);
    assert.is(second.attempt, 2);
    assert.is(frozenOffers.length, 1, 'the silent runner was not offered the task again');
    const view = await taskView(c, created.task_id);
    assert.equal(
      view.attempts.map((a: { outcome: string }) => a.outcome),
      ['lost', 'running'],
    );
  } finally {
    clearInterval(beat);
  }
});

test('task:claim over the socket', async (c) => {
  const r = await online(c, 'claimer', ['pull']);
  collectOffers(r.socket, () => false);
  // No hello: the hub pushes nothing, the runner pulls.
  const created = await create(c, { op: 100, params: { dataset: 'pull' } });
  const reply = (await r.socket.emitWithAck('task:claim', { limit: 5 })) as { tasks: TaskOffer[] };
  assert.equal(
    reply.tasks.map((t) => t.task_id),
    [created.task_id],
  );
});

test('cancel is pushed to the holder, which confirms', async (c) => {
  const r = await online(c, 'cancelee', ['cx']);
  const offers = collectOffers(r.socket);
  const cancels: string[] = [];
  r.socket.on('task:cancel', (m) => cancels.push(m.task_id));
  await r.hello();
  const created = await create(c, { op: 100, params: { dataset: 'cx' } });
  const offer = await waitFor('offer', () => offers[0]);
  const reply = await call(c.hub.url, 'POST', `/api/v1/tasks/${created.task_id}/cancel`, { token: c.token });
  assert.equal(reply.body, { task_id: created.task_id, status: 'leased' });
  await waitFor('cancel pushed', () => cancels[0] === created.task_id);
  await r.socket.emitWithAck('task:result', {
    task_id: offer.task_id,
    lease_token: offer.lease_token,
    status: 'canceled',
  });
  assert.is((await taskView(c, created.task_id)).status, 'canceled');
});

test('reconnect + hello within the grace keeps the task; after the lease is gone the hello says drop', async (c) => {
  const r = await online(c, 'flaky', ['rc']);
  const offers = collectOffers(r.socket);
  await r.hello();
  const created = await create(c, { op: 100, params: { dataset: 'rc' } });
  const offer = await waitFor('offer', () => offers[0]);
  const lease = { task_id: offer.task_id, lease_token: offer.lease_token };
  r.socket.close();
  await waitFor(
    'hub saw the disconnect',
    async () =>
      (await call(c.hub.url, 'GET', `/api/v1/runners/${r.reg.runner_id}`, { token: c.token })).body.transport === null,
  );

  const again = await connectRunner(c.hub.url, runnerAuth(r.reg));
  c.sockets.push(again);
  const offersAgain = collectOffers(again);
  const kept = PingReply.parse(
    await again.emitWithAck('runner:hello', {
      runner_id: r.reg.runner_id,
      leases: [lease, { task_id: 'tnope', lease_token: 'x' }],
    }),
  );
  assert.equal(kept.keep, [created.task_id]);
  assert.equal(kept.drop, ['tnope']);
  const res = await again.emitWithAck('task:result', { ...lease, status: 'succeeded', result: rowsResult() });
  assert.equal(res, { ok: true, stored: true });

  // Second round: this time the runner stays away until its task is re-queued and taken by another.
  const second = await create(c, { op: 100, params: { dataset: 'rc' } });
  const gotIt = await waitFor('second offer', () => offersAgain[0]);
  assert.is(gotIt.task_id, second.task_id);
  again.close();
  const other = await register(c.hub.url, 'test-enrollment-key', 'other', ['rc']);
  const taken = await waitFor('re-queued and claimed by the other runner', async () => {
    const claim = await call(c.hub.url, 'GET', `/api/v1/tasks?runner_id=${other.runner_id}&wait=2`, {
      token: other.token,
    });
    return claim.body.tasks[0] as TaskOffer | undefined;
  });
  assert.is(taken.task_id, second.task_id);
  assert.is(taken.attempt, 2);
  const back = await connectRunner(c.hub.url, runnerAuth(r.reg));
  c.sockets.push(back);
  const dropped = PingReply.parse(
    await back.emitWithAck('runner:hello', {
      runner_id: r.reg.runner_id,
      leases: [{ task_id: gotIt.task_id, lease_token: gotIt.lease_token }],
    }),
  );
  assert.equal(dropped.drop, [second.task_id], 'nothing runs twice after a reconnect');
  assert.equal(dropped.keep, []);
});

test.run();
