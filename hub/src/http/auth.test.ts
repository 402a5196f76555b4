import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LoginReply, UserView } from '@simpul/protocol';
import { addUser, startTestHub, type TestHub } from '../testing/support.ts';
import { call, login, register } from '../testing/http.ts';

const test = suite<{ hub: TestHub }>('http auth', {} as { hub: TestHub });
test.before(async (c) => {
  c.hub = await startTestHub();
});
test.after(async (c) => {
  await c.hub.cleanup();
});

test('login returns a bearer token and an HttpOnly SameSite=Lax session cookie', async ({ hub }) => {
  const r = await call(hub.url, 'POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: 'admin-password' },
  });
  assert.is(r.status, 200);
  const body = LoginReply.parse(r.body);
  assert.ok(body.token.startsWith('sms_'));
  assert.is(body.user.role, 'admin');
  const cookie = r.headers.get('set-cookie') ?? '';
  assert.match(cookie, `simpul_session=${body.token}`);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=43200/);
  assert.not.match(cookie, /Secure/, 'plain http here');
});

test('wrong password and unknown user get the same 401', async ({ hub }) => {
  const a = await call(hub.url, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'nope' } });
  const b = await call(hub.url, 'POST', '/api/v1/auth/login', { body: { username: 'nobody', password: 'nope' } });
  assert.is(a.status, 401);
  assert.is(b.status, 401);
  assert.equal(a.body, b.body);
  assert.is(a.body.error.code, 'unauthorized');
});

test('me by bearer and by cookie; logout revokes the session', async ({ hub }) => {
  const { token, cookie } = await login(hub.url, 'admin', 'admin-password');
  const byBearer = await call(hub.url, 'GET', '/api/v1/auth/me', { token });
  assert.is(byBearer.status, 200);
  assert.is(UserView.parse(byBearer.body).username, 'admin');
  const byCookie = await call(hub.url, 'GET', '/api/v1/auth/me', { headers: { cookie } });
  assert.is(byCookie.status, 200);
  const out = await call(hub.url, 'POST', '/api/v1/auth/logout', { token });
  assert.is(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /simpul_session=;/);
  assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token })).status, 401);
  assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { headers: { cookie } })).status, 401);
});

test('no credentials → 401; bad tokens → 401; login still works with a stale cookie', async ({ hub }) => {
  for (const path of ['/api/v1/auth/me', '/api/v1/runners', '/api/v1/tasks']) {
    const r = await call(hub.url, 'GET', path);
    assert.is(r.status, 401, path);
    assert.is(r.body.error.code, 'unauthorized');
  }
  for (const token of ['sms_forged', 'smr_forged', 'smp_forged', 'garbage']) {
    assert.is((await call(hub.url, 'GET', '/api/v1/runners', { token })).status, 401, token);
  }
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/ping', { token: 'smr_forged', body: { runner_id: 'x' } })).status,
    401,
  );
  const r = await call(hub.url, 'POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: 'admin-password' },
    headers: { cookie: 'simpul_session=sms_old' },
  });
  assert.is(r.status, 200);
});

test('cookie-authenticated changes need the hub’s own Origin; bearer calls do not', async ({ hub }) => {
  const { token, cookie } = await login(hub.url, 'admin', 'admin-password');
  const task = { op: 100, params: { dataset: 'weather' } };
  const none = await call(hub.url, 'POST', '/api/v1/tasks', { headers: { cookie }, body: task });
  assert.is(none.status, 403);
  assert.is(none.body.error.code, 'forbidden');
  const evil = await call(hub.url, 'POST', '/api/v1/tasks', {
    headers: { cookie, origin: 'http://evil.example' },
    body: task,
  });
  assert.is(evil.status, 403);
  const own = await call(hub.url, 'POST', '/api/v1/tasks', { headers: { cookie, origin: hub.url }, body: task });
  assert.is(own.status, 201);
  const bearer = await call(hub.url, 'POST', '/api/v1/tasks', { token, body: task });
  assert.is(bearer.status, 201);
  const read = await call(hub.url, 'GET', '/api/v1/tasks', { headers: { cookie } });
  assert.is(read.status, 200, 'reads need no Origin');
});

test('runner tokens cannot use user routes, user tokens cannot use runner routes', async ({ hub }) => {
  const runner = await register(hub.url, 'test-enrollment-key', 'r');
  const { token } = await login(hub.url, 'admin', 'admin-password');
  const r1 = await call(hub.url, 'GET', '/api/v1/runners', { token: runner.token });
  assert.is(r1.status, 403);
  assert.is(r1.body.error.code, 'forbidden');
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/tasks', { token: runner.token, body: { op: 100, params: { dataset: 'd' } } }))
      .status,
    403,
  );
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/ping', { token, body: { runner_id: runner.runner_id } })).status,
    403,
  );
  assert.is((await call(hub.url, 'POST', '/api/v1/result', { token, body: {} })).status, 403);
});

test('an analyst logs in and sees only their own tasks', async ({ hub }) => {
  await addUser(hub.ctx, 'ana');
  await addUser(hub.ctx, 'bob');
  const ana = await login(hub.url, 'ana', 'ana-password');
  const bob = await login(hub.url, 'bob', 'bob-password');
  const admin = await login(hub.url, 'admin', 'admin-password');
  const mine = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: ana.token,
    body: { op: 100, params: { dataset: 'ana-data' } },
  });
  assert.is(mine.status, 201);
  const list = await call(hub.url, 'GET', '/api/v1/tasks', { token: bob.token });
  assert.ok(!list.body.tasks.some((t: { task_id: string }) => t.task_id === mine.body.task_id));
  assert.is((await call(hub.url, 'GET', `/api/v1/tasks/${mine.body.task_id}`, { token: bob.token })).status, 404);
  assert.is((await call(hub.url, 'GET', `/api/v1/result/${mine.body.task_id}`, { token: bob.token })).status, 404);
  assert.is(
    (await call(hub.url, 'POST', `/api/v1/tasks/${mine.body.task_id}/cancel`, { token: bob.token })).status,
    404,
  );
  const own = await call(hub.url, 'GET', '/api/v1/tasks', { token: ana.token });
  assert.ok(own.body.tasks.every((t: { created_by: string }) => t.created_by === own.body.tasks[0].created_by));
  assert.ok(own.body.tasks.some((t: { task_id: string }) => t.task_id === mine.body.task_id));
  const all = await call(hub.url, 'GET', '/api/v1/tasks', { token: admin.token });
  assert.ok(
    all.body.tasks.some((t: { task_id: string }) => t.task_id === mine.body.task_id),
    'admins see all',
  );
});

test.run();
