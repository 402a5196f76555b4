import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClaimReply, PingReply, PROTOCOL_VERSION, RegisterReply, RunnerList } from '@simpul/protocol';
import { startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';

const test = suite<{ hub: TestHub; token: string }>('http runner api', {} as { hub: TestHub; token: string });
test.before(async (c) => {
  // Several runners serve one dataset name here, each a site at once (trust on first use: study-trust.test.ts).
  c.hub = await startTestHub({ SIMPUL_SITE_APPROVAL: 'auto', SIMPUL_HEARTBEAT_S: '1', SIMPUL_LEASE_TTL_S: '3' });
  c.token = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.after(async (c) => {
  await c.hub.cleanup();
});

const reg = (key: string, protocol_version = PROTOCOL_VERSION) => ({
  enrollment_key: key,
  name: 'r',
  protocol_version,
});

test('register: 201 with a runner token shown once; wrong key 401; protocol mismatch 400 saying what to upgrade', async ({
  hub,
}) => {
  const ok = await call(hub.url, 'POST', '/api/v1/register', {
    body: { ...reg('test-enrollment-key'), labels: ['gpu'], version: '0.1.0' },
  });
  assert.is(ok.status, 201);
  const body = RegisterReply.parse(ok.body);
  assert.ok(body.token.startsWith('smr_'));
  assert.is(body.heartbeat_interval_s, 1);
  assert.is(body.lease_ttl_s, 3);
  const stored = await hub.db
    .selectFrom('runners')
    .selectAll()
    .where('id', '=', body.runner_id)
    .executeTakeFirstOrThrow();
  assert.is.not(stored.token_hash, body.token, 'only a hash is stored');
  assert.is(stored.token_hash.length, 64);

  const wrong = await call(hub.url, 'POST', '/api/v1/register', { body: reg('wrong-key') });
  assert.is(wrong.status, 401);
  assert.is(wrong.body.error.code, 'unauthorized');

  const newer = await call(hub.url, 'POST', '/api/v1/register', {
    body: reg('test-enrollment-key', PROTOCOL_VERSION + 1),
  });
  assert.is(newer.status, 400);
  assert.is(newer.body.error.code, 'protocol_mismatch');
  assert.match(
    newer.body.error.message,
    `runner speaks protocol ${PROTOCOL_VERSION + 1}, hub speaks ${PROTOCOL_VERSION}: upgrade the hub`,
  );
  const older = await call(hub.url, 'POST', '/api/v1/register', {
    body: reg('test-enrollment-key', PROTOCOL_VERSION - 1),
  });
  assert.match(older.body.error.message, 'upgrade the runner');

  assert.is((await call(hub.url, 'POST', '/api/v1/register', { raw: 'not json' })).status, 400);
  const missing = await call(hub.url, 'POST', '/api/v1/register', { body: { name: 'r' } });
  assert.is(missing.status, 400);
  assert.is(missing.body.error.code, 'bad_request');
});

test('ping marks the runner alive and re-advertises its datasets', async ({ hub, token }) => {
  const r = await register(hub.url, 'test-enrollment-key', 'pinger', ['a']);
  const p = await call(hub.url, 'POST', '/api/v1/ping', {
    token: r.token,
    body: {
      runner_id: r.runner_id,
      datasets: [{ name: 'b', columns: [{ name: 'y', type: 'VARCHAR', kind: 'string' }], row_count: 7 }],
      labels: ['lab'],
    },
  });
  assert.is(p.status, 200);
  const reply = PingReply.parse(p.body);
  assert.equal([reply.keep, reply.cancel, reply.drop], [[], [], []]);
  const list = RunnerList.parse((await call(hub.url, 'GET', '/api/v1/runners', { token })).body);
  const me = list.runners.find((x) => x.runner_id === r.runner_id)!;
  assert.is(me.online, true);
  assert.equal(me.labels, ['lab']);
  assert.equal(me.datasets, [
    { name: 'b', columns: [{ name: 'y', type: 'VARCHAR', kind: 'string' }], row_count: 7, site_status: 'approved' },
  ]);
  assert.is(me.transport, 'polling');
  const bad = await call(hub.url, 'POST', '/api/v1/ping', {
    token: r.token,
    body: { runner_id: r.runner_id, leases: 'none' },
  });
  assert.is(bad.status, 400);
  // Silence long enough flips it offline (2 × heartbeat + 2 s here).
  await waitFor('runner offline', async () => {
    const v = await call(hub.url, 'GET', `/api/v1/runners/${r.runner_id}`, { token });
    return v.body.online === false && v.body.status === 'offline';
  });
});

test('claim query is checked: wait ≤ 60, limit ≤ 50', async ({ hub }) => {
  const r = await register(hub.url, 'test-enrollment-key', 'q');
  assert.is(
    (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=61`, { token: r.token })).status,
    400,
  );
  assert.is(
    (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&limit=51`, { token: r.token })).status,
    400,
  );
  assert.is((await call(hub.url, 'GET', `/api/v1/tasks`, { token: r.token })).status, 400);
});

test('long-poll: empty after the wait; answers as soon as a task is created', async ({ hub, token }) => {
  const r = await register(hub.url, 'test-enrollment-key', 'poller', ['lp']);
  const empty = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=1`, { token: r.token });
  assert.is(empty.status, 200);
  assert.equal(empty.body, { tasks: [] });

  const waiting = call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=30`, { token: r.token });
  let answered = false;
  void waiting.then(() => (answered = true));
  // The poll is parked: its runner shows as alive with the polling transport.
  await waitFor(
    'poll parked',
    async () => (await call(hub.url, 'GET', `/api/v1/runners/${r.runner_id}`, { token })).body.transport === 'polling',
  );
  assert.is(answered, false, 'nothing to claim yet');
  const created = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'lp' } } });
  const got = ClaimReply.parse((await waiting).body);
  assert.equal(
    got.tasks.map((t) => t.task_id),
    [created.body.task_id],
  );
  assert.is(got.tasks[0].attempt, 1);
});

test('long-poll: a client that leaves mid-wait gets nothing claimed for it', async ({ hub, token }) => {
  const gone = await register(hub.url, 'test-enrollment-key', 'gone', ['left']);
  const other = await register(hub.url, 'test-enrollment-key', 'other', ['left']);
  const abort = new AbortController();
  const waiting = call(hub.url, 'GET', `/api/v1/tasks?runner_id=${gone.runner_id}&wait=30`, {
    token: gone.token,
    signal: abort.signal,
  }).catch(() => 'aborted');
  await waitFor(
    'poll parked',
    async () =>
      (await call(hub.url, 'GET', `/api/v1/runners/${gone.runner_id}`, { token })).body.transport === 'polling',
  );
  abort.abort();
  assert.is(await waiting, 'aborted');
  const created = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'left' } },
  });
  // The other runner gets it on its first attempt: the departed poll neither kept nor spent it.
  const offer = await waitFor('other runner claims', async () => {
    const r = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${other.runner_id}&wait=1`, { token: other.token });
    return r.body.tasks[0];
  });
  assert.is(offer.task_id, created.body.task_id);
  assert.is(offer.attempt, 1);
  const task = await call(hub.url, 'GET', `/api/v1/tasks/${created.body.task_id}`, { token });
  assert.ok(
    task.body.attempts.every(
      (a: { runner_id: string; outcome: string }) => a.runner_id !== gone.runner_id || a.outcome === 'released',
    ),
  );
});

test('a polling runner that stops pinging loses its task to another runner (attempt 2)', async ({ hub, token }) => {
  const dead = await register(hub.url, 'test-enrollment-key', 'dead', ['fo']);
  const alive = await register(hub.url, 'test-enrollment-key', 'alive', ['fo']);
  const created = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: { op: 100, params: { dataset: 'fo' } } });
  const [first] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${dead.runner_id}`, { token: dead.token })).body
    .tasks;
  assert.is(first.task_id, created.body.task_id);
  const second = await waitFor('re-claim by the live runner', async () => {
    const r = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${alive.runner_id}&wait=2`, { token: alive.token });
    return r.body.tasks[0];
  });
  assert.is(second.task_id, first.task_id);
  assert.is(second.attempt, 2);
  const late = await call(hub.url, 'POST', '/api/v1/result', {
    token: dead.token,
    body: {
      task_id: first.task_id,
      lease_token: first.lease_token,
      status: 'succeeded',
      result: { columns: [], rows: [], total_rows: 0 },
    },
  });
  assert.is(late.status, 409);
  assert.is(late.body.error.code, 'stale_lease');
  const ping = await call(hub.url, 'POST', '/api/v1/ping', {
    token: dead.token,
    body: { runner_id: dead.runner_id, leases: [{ task_id: first.task_id, lease_token: first.lease_token }] },
  });
  assert.equal(ping.body.drop, [first.task_id], 'the late runner is told to drop it');
  const view = await call(hub.url, 'GET', `/api/v1/tasks/${first.task_id}`, { token });
  assert.equal(
    view.body.attempts.map((a: { outcome: string }) => a.outcome),
    ['lost', 'running'],
  );
});

test('release over HTTP hands the task back for another runner', async ({ hub, token }) => {
  const a = await register(hub.url, 'test-enrollment-key', 'drainer', ['rel']);
  const b = await register(hub.url, 'test-enrollment-key', 'taker', ['rel']);
  const created = await call(hub.url, 'POST', '/api/v1/tasks', {
    token,
    body: { op: 100, params: { dataset: 'rel' } },
  });
  const [offer] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${a.runner_id}`, { token: a.token })).body.tasks;
  const foreign = await call(hub.url, 'POST', '/api/v1/release', {
    token: b.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token },
  });
  assert.is(foreign.status, 403);
  const bad = await call(hub.url, 'POST', '/api/v1/release', { token: a.token, body: { task_id: offer.task_id } });
  assert.is(bad.status, 400);
  const ok = await call(hub.url, 'POST', '/api/v1/release', {
    token: a.token,
    body: { task_id: offer.task_id, lease_token: offer.lease_token, reason: 'draining' },
  });
  assert.is(ok.status, 200);
  assert.equal(ok.body, { ok: true, status: 'queued' });
  // A draining runner is handed nothing new.
  await call(hub.url, 'POST', '/api/v1/ping', { token: a.token, body: { runner_id: a.runner_id, draining: true } });
  assert.equal((await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${a.runner_id}`, { token: a.token })).body, {
    tasks: [],
  });
  const [taken] = (await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${b.runner_id}`, { token: b.token })).body.tasks;
  assert.is(taken.task_id, created.body.task_id);
  assert.is(taken.attempt, 1);
});

test.run();
