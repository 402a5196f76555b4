// Runner tokens and access against a real hub: revoke (socket cut at once, nothing claimed), rotate (short overlap), sharing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RunnerTokenRotated } from '@simpul/protocol';
import { addUser, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { collectOffers, connectRunner, runnerAuth, type ConnectError } from '../testing/sockets.ts';

const KEY = 'test-enrollment-key';
const test = suite<{ hub: TestHub; admin: string }>('runner security', {} as { hub: TestHub; admin: string });
test.before(async (c) => {
  c.hub = await startTestHub({ SIMPUL_TOKEN_OVERLAP_S: '1', SIMPUL_LEASE_TTL_S: '30', SIMPUL_TASKS_PER_MINUTE: '0' });
  c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('revoking a runner tells and disconnects its socket at once, refuses it everywhere, and frees its task', async ({
  hub,
  admin,
}) => {
  const r = await register(hub.url, KEY, 'doomed', ['rv']);
  const socket = await connectRunner(hub.url, runnerAuth(r));
  const offers = collectOffers(socket);
  const revokedMsg = new Promise<{ code: string; message: string }>((resolve) => socket.on('runner:revoked', resolve));
  const gone = new Promise<string>((resolve) => socket.on('disconnect', resolve));
  await socket.emitWithAck('runner:hello', { runner_id: r.runner_id, leases: [] });
  const task = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: admin,
    body: { op: 100, params: { dataset: 'rv' } },
  });
  await waitFor('the offer', () => offers.length === 1);

  assert.is((await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/revoke`, { token: admin })).status, 200);
  const info = await revokedMsg;
  assert.is(info.code, 'unauthorized');
  assert.match(info.message, /revoked/);
  assert.is(await gone, 'io server disconnect');

  const again = await connectRunner(hub.url, runnerAuth(r)).catch((e: ConnectError) => e);
  assert.is((again as ConnectError).data?.code, 'unauthorized');
  const poll = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&wait=0`, { token: r.token });
  assert.is(poll.status, 401);
  assert.match(poll.body.error.message, /revoked/);

  // Its task goes back to the queue (attempt spent) and another runner of the dataset takes it.
  const other = await register(hub.url, KEY, 'heir', ['rv']);
  const got = await waitFor('the task re-claimed by another runner', async () => {
    const c = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${other.runner_id}&wait=1`, { token: other.token });
    return c.body.tasks.find((t: { task_id: string }) => t.task_id === task.body.task_id);
  });
  assert.is(got.attempt, 2);
  const view = await call(hub.url, 'GET', `/api/v1/runners/${r.runner_id}`, { token: admin });
  assert.is(view.body.revoked, true);
  assert.is(view.body.online, false);
  assert.is(
    (await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/revoke`, { token: admin })).status,
    200,
    'idempotent',
  );
  const creating = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: admin,
    body: { op: 100, runner_id: r.runner_id, params: { dataset: 'rv' } },
  });
  assert.is(creating.status, 409, 'no new tasks for a revoked runner');
});

test('rotation: the new token works, the old one only for the overlap, and only the current token may rotate', async ({
  hub,
}) => {
  const r = await register(hub.url, KEY, 'rotating', ['rt']);
  const res = await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/rotate`, { token: r.token });
  assert.is(res.status, 200);
  const rotated = RunnerTokenRotated.parse(res.body);
  assert.ok(rotated.token.startsWith('smr_'));
  assert.is.not(rotated.token, r.token);
  const ping = (token: string) => call(hub.url, 'POST', '/api/v1/ping', { token, body: { runner_id: r.runner_id } });
  assert.is((await ping(rotated.token)).status, 200);
  assert.is((await ping(r.token)).status, 200, 'the old token during the overlap');
  assert.is(
    (await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/rotate`, { token: r.token })).status,
    403,
    'the old token cannot rotate again',
  );
  await waitFor('the overlap to end', async () => (await ping(r.token)).status === 401, 10_000, 200);
  assert.is((await ping(rotated.token)).status, 200);
  const socketOld = await connectRunner(hub.url, runnerAuth(r)).catch((e: ConnectError) => e);
  assert.is((socketOld as ConnectError).data?.code, 'unauthorized');
  const socketNew = await connectRunner(hub.url, runnerAuth({ runner_id: r.runner_id, token: rotated.token }));
  socketNew.close();
});

test('a runner shared with named users: others neither see it nor reach it, and its owners manage it', async ({
  hub,
  admin,
}) => {
  const ana = await addUser(hub.ctx, 'ana');
  await addUser(hub.ctx, 'bob');
  await addUser(hub.ctx, 'cleo');
  const [a, b, cl] = [
    await login(hub.url, 'ana', 'ana-password'),
    await login(hub.url, 'bob', 'bob-password'),
    await login(hub.url, 'cleo', 'cleo-password'),
  ];
  const r = await register(hub.url, KEY, 'private', ['secret']);
  const set = await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/access`, {
    token: admin,
    body: { shared: false, owners: ['ana'], allowed_users: ['cleo'] },
  });
  assert.is(set.status, 200);
  assert.equal(set.body, { runner_id: r.runner_id, shared: false, owners: ['ana'], allowed_users: ['cleo'] });
  const bad = await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/access`, {
    token: admin,
    body: { shared: false, owners: ['nobody'] },
  });
  assert.is(bad.status, 400);

  const sees = async (token: string) =>
    (await call(hub.url, 'GET', '/api/v1/runners', { token })).body.runners.some(
      (x: { runner_id: string }) => x.runner_id === r.runner_id,
    );
  assert.is(await sees(a.token), true);
  assert.is(await sees(cl.token), true);
  assert.is(await sees(admin), true);
  assert.is(await sees(b.token), false);
  assert.is((await call(hub.url, 'GET', `/api/v1/runners/${r.runner_id}`, { token: b.token })).status, 404);
  const pinned = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: b.token,
    body: { op: 100, runner_id: r.runner_id, params: { dataset: 'secret' } },
  });
  assert.is(pinned.status, 404, 'looks like no runner at all');

  // Tasks by dataset only: the private runner takes cleo's, never bob's.
  const byBob = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: b.token,
    body: { op: 100, params: { dataset: 'secret' } },
  });
  const byCleo = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: cl.token,
    body: { op: 100, params: { dataset: 'secret' } },
  });
  // Bob is told that no runner serves "secret" for him (nothing more); cleo, whom the runner serves, is told nothing.
  assert.equal(byBob.body.warnings, [
    'no runner serves dataset "secret": the task waits in the queue until one does (or is canceled)',
  ]);
  assert.is(byCleo.body.warnings, undefined);
  const typo = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: b.token,
    body: { op: 100, params: { dataset: 'secrets' } },
  });
  assert.not.match(
    JSON.stringify(typo.body.warnings),
    /did you mean/,
    'a private dataset is not suggested to those it is hidden from',
  );
  const cleoTypo = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: cl.token,
    body: { op: 100, params: { dataset: 'Secrets' } },
  });
  assert.match(cleoTypo.body.warnings[0], /did you mean "secret"\?$/);
  await call(hub.url, 'POST', `/api/v1/tasks/${typo.body.task_id}/cancel`, { token: b.token });
  await call(hub.url, 'POST', `/api/v1/tasks/${cleoTypo.body.task_id}/cancel`, { token: cl.token });
  const claimed = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&limit=10`, { token: r.token });
  assert.equal(
    claimed.body.tasks.map((t: { task_id: string }) => t.task_id),
    [byCleo.body.task_id],
  );
  assert.is(
    (await call(hub.url, 'GET', `/api/v1/tasks/${byBob.body.task_id}`, { token: b.token })).body.status,
    'queued',
  );

  // Owners manage it; allowed users only use it.
  assert.is(
    (await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/access`, { token: cl.token, body: { shared: true } }))
      .status,
    403,
  );
  assert.is((await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/revoke`, { token: cl.token })).status, 403);
  const share = await call(hub.url, 'POST', `/api/v1/runners/${r.runner_id}/access`, {
    token: a.token,
    body: { shared: true, owners: ['ana'] },
  });
  assert.is(share.status, 200);
  assert.is(await sees(b.token), true, 'shared with everyone now');
  const later = await call(hub.url, 'GET', `/api/v1/tasks?runner_id=${r.runner_id}&limit=10`, { token: r.token });
  assert.equal(
    later.body.tasks.map((t: { task_id: string }) => t.task_id),
    [byBob.body.task_id],
  );
  assert.ok(ana.id);
});

test.run();
