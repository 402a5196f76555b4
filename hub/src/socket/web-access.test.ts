// The /web socket follows access (issue #16, attacks 2 and 6): a private runner's updates reach only admins and the
// users it is shared with, and a socket closes as soon as the session or token it was opened with ends.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunnerView, TaskView } from '@simpul/protocol';
import { createApiToken } from '../auth/api-tokens.ts';
import { createSession, SESSION_TTL_MS } from '../store/users.ts';
import { addUser, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';
import { connectRunner, connectWeb, runnerAuth, type WebClient } from '../testing/sockets.ts';

interface Ctx {
  hub: TestHub;
  admin: string;
  sockets: { close(): void }[];
}
const test = suite<Ctx>('socket /web: access', {} as Ctx);
test.before(async (c) => {
  c.hub = await startTestHub({ SIMPUL_HEARTBEAT_S: '1' });
  c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
  c.sockets = [];
  await addUser(c.hub.ctx, 'ana');
  await addUser(c.hub.ctx, 'bob');
});
test.after(async (c) => {
  for (const s of c.sockets) s.close();
  await c.hub.cleanup();
});

function record(socket: WebClient) {
  const tasks: TaskView[] = [];
  const runners: RunnerView[] = [];
  let closed = false;
  socket.on('task:update', (t) => tasks.push(t));
  socket.on('runner:update', (r) => runners.push(r));
  socket.on('disconnect', () => (closed = true));
  return { tasks, runners, closed: () => closed };
}

async function onlineRunner(c: Ctx, name: string, dataset: string) {
  const reg = await register(c.hub.url, 'test-enrollment-key', name, [dataset]);
  const socket = await connectRunner(c.hub.url, runnerAuth(reg));
  c.sockets.push(socket);
  socket.on('task:offer', (_o, ack) => ack(true));
  return { reg, hello: () => socket.emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [] }) };
}

test('attack 2: runner:update of a private runner goes to admins and its users, never to others', async (c) => {
  const ana = await login(c.hub.url, 'ana', 'ana-password');
  const bob = await login(c.hub.url, 'bob', 'bob-password');
  const secret = await onlineRunner(c, 'secret-runner', 'private-schema');
  const shared = await call(c.hub.url, 'POST', `/api/v1/runners/${secret.reg.runner_id}/access`, {
    token: c.admin,
    body: { shared: false, owners: ['ana'] },
  });
  assert.is(shared.status, 200);
  assert.is(
    (await call(c.hub.url, 'GET', `/api/v1/runners/${secret.reg.runner_id}`, { token: bob.token })).status,
    404,
    'hidden over HTTP',
  );

  const sockets = {
    admin: await connectWeb(c.hub.url, { token: c.admin }),
    ana: await connectWeb(c.hub.url, { token: ana.token }),
    bob: await connectWeb(c.hub.url, { token: bob.token }),
  };
  c.sockets.push(...Object.values(sockets));
  const seen = { admin: record(sockets.admin), ana: record(sockets.ana), bob: record(sockets.bob) };

  await secret.hello(); // online: an update for everyone allowed
  const open = await onlineRunner(c, 'open-runner', 'public-schema');
  await open.hello();
  await waitFor('admin sees the private runner', () =>
    seen.admin.runners.find((r) => r.runner_id === secret.reg.runner_id),
  );
  await waitFor('ana sees her runner', () => seen.ana.runners.find((r) => r.runner_id === secret.reg.runner_id));
  // The shared runner's update came after the private one's: bob has had every update he was going to get.
  await waitFor('bob sees the shared runner', () => seen.bob.runners.find((r) => r.runner_id === open.reg.runner_id));
  assert.not.ok(
    seen.bob.runners.find((r) => r.runner_id === secret.reg.runner_id || r.name === 'secret-runner'),
    'bob never heard of the private runner',
  );
  assert.not.ok(JSON.stringify(seen.bob.runners).includes('private-schema'), 'nor of its dataset schema');
});

test("attack 6: an admin resets a password: that user's open sockets close at once, and hear no more task updates", async (c) => {
  const ana = await login(c.hub.url, 'ana', 'ana-password');
  const ws = await connectWeb(c.hub.url, { token: ana.token });
  c.sockets.push(ws);
  const seen = record(ws);
  const t = await call(c.hub.url, 'POST', '/api/v1/tasks', {
    token: ana.token,
    body: { op: 100, params: { dataset: 'nowhere', limit: 1 } },
  });
  await waitFor('ana hears her task', () => seen.tasks.find((x) => x.task_id === t.body.task_id));
  const users = await call(c.hub.url, 'GET', '/api/v1/users', { token: c.admin });
  const anaId = users.body.users.find((u: { username: string }) => u.username === 'ana').user_id;
  assert.is(
    (
      await call(c.hub.url, 'POST', `/api/v1/users/${anaId}/password`, {
        token: c.admin,
        body: { password: 'a-new-password-1' },
      })
    ).status,
    200,
  );
  assert.is((await call(c.hub.url, 'GET', '/api/v1/auth/me', { token: ana.token })).status, 401);
  await waitFor('the socket closes', () => seen.closed(), 3000);
  const before = seen.tasks.length;
  await call(c.hub.url, 'POST', `/api/v1/tasks/${t.body.task_id}/cancel`, { token: c.admin });
  await new Promise((r) => setTimeout(r, 300));
  assert.is(seen.tasks.length, before, 'no task:update (with params) after the session ended');
});

test('a logout, an expired session and a revoked API token close their sockets; other sessions stay', async (c) => {
  const one = await login(c.hub.url, 'bob', 'bob-password');
  const two = await login(c.hub.url, 'bob', 'bob-password');
  const [wsOne, wsTwo] = [
    await connectWeb(c.hub.url, { token: one.token }),
    await connectWeb(c.hub.url, { token: two.token }),
  ];
  c.sockets.push(wsOne, wsTwo);
  const [a, b] = [record(wsOne), record(wsTwo)];
  assert.is((await call(c.hub.url, 'POST', '/api/v1/auth/logout', { token: one.token })).status, 200);
  await waitFor('the logged-out socket closes', () => a.closed(), 3000);
  assert.not.ok(b.closed(), "the other session's socket stays");

  const bobId = (await call(c.hub.url, 'GET', '/api/v1/auth/me', { token: two.token })).body.user_id;
  const soon = await createSession(c.hub.db, bobId, Date.now() - SESSION_TTL_MS + 1000); // expires in a second
  const expiring = record(await connectWeb(c.hub.url, { token: soon.token }));
  await waitFor('the socket closes when its session expires', () => expiring.closed(), 4000);

  const api = await createApiToken(c.hub.db, bobId, { name: 'script' });
  const viaToken = record(await connectWeb(c.hub.url, { token: api.token }));
  assert.is(
    (await call(c.hub.url, 'DELETE', `/api/v1/tokens/${api.token_id}`, { token: two.token, headers: {} })).status,
    200,
  );
  await waitFor("the token's socket closes", () => viaToken.closed(), 3000);
  assert.not.ok(b.closed());
});

test.run();
