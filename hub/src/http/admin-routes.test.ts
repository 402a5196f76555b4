// Admin and personal-token routes against a real hub: users, enrolment keys, API tokens, and the audit log they leave.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ApiTokenCreated,
  AuditList,
  EnrollmentKeyCreated,
  EnrollmentKeyList,
  PROTOCOL_VERSION,
  UserList,
} from '@simpul/protocol';
import { createEnrollmentKey } from '../auth/enrollment.ts';
import { hashToken } from '../auth/tokens.ts';
import { startTestHub, type TestHub } from '../testing/support.ts';
import { call, login } from '../testing/http.ts';

const test = suite<{ hub: TestHub; admin: string }>('admin routes', {} as { hub: TestHub; admin: string });
test.before(async (c) => {
  c.hub = await startTestHub();
  c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
});
test.after(async (c) => {
  await c.hub.cleanup();
});

const enrol = (url: string, key: string, name = 'r') =>
  call(url, 'POST', '/api/v1/register', { body: { enrollment_key: key, name, protocol_version: PROTOCOL_VERSION } });

test('admins create users (names are unique) and reset passwords, which ends the user’s sessions', async ({
  hub,
  admin,
}) => {
  const made = await call(hub.url, 'POST', '/api/v1/users', {
    token: admin,
    body: { username: 'dora', password: 'dora-password' },
  });
  assert.is(made.status, 201);
  assert.is(made.body.role, 'analyst', 'analyst by default');
  assert.is(
    (
      await call(hub.url, 'POST', '/api/v1/users', {
        token: admin,
        body: { username: 'dora', password: 'other-password' },
      })
    ).status,
    409,
  );
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/users', { token: admin, body: { username: 'x', password: 'short' } })).status,
    400,
  );
  const list = UserList.parse((await call(hub.url, 'GET', '/api/v1/users', { token: admin })).body);
  assert.ok(list.users.some((u) => u.username === 'dora'));
  assert.not.ok(JSON.stringify(list).includes('scrypt'), 'no password hashes in the list');

  const dora = await login(hub.url, 'dora', 'dora-password');
  const reset = await call(hub.url, 'POST', `/api/v1/users/${made.body.user_id}/password`, {
    token: admin,
    body: { password: 'dora-new-password' },
  });
  assert.is(reset.status, 200);
  assert.is(
    (await call(hub.url, 'GET', '/api/v1/auth/me', { token: dora.token })).status,
    401,
    'the old session ended',
  );
  assert.is(
    (await call(hub.url, 'POST', '/api/v1/auth/login', { body: { username: 'dora', password: 'dora-password' } }))
      .status,
    401,
  );
  await login(hub.url, 'dora', 'dora-new-password');
  assert.is(
    (
      await call(hub.url, 'POST', '/api/v1/users/usr_nobody/password', {
        token: admin,
        body: { password: 'whatever-123' },
      })
    ).status,
    404,
  );
});

test('enrolment keys: shown once, stored hashed, single-use keys enrol one runner, expired and revoked keys none', async ({
  hub,
  admin,
}) => {
  const created = await call(hub.url, 'POST', '/api/v1/enrollment-keys', {
    token: admin,
    body: { name: 'lab', single_use: true },
  });
  assert.is(created.status, 201);
  const key = EnrollmentKeyCreated.parse(created.body);
  assert.ok(key.key.startsWith('sme_'));
  const row = await hub.db
    .selectFrom('enrollment_keys')
    .selectAll()
    .where('id', '=', key.key_id)
    .executeTakeFirstOrThrow();
  assert.is(row.key_hash, hashToken(key.key));
  assert.not.ok(JSON.stringify(row).includes(key.key), 'the key itself is not stored');

  assert.is((await enrol(hub.url, key.key, 'first')).status, 201);
  const second = await enrol(hub.url, key.key, 'second');
  assert.is(second.status, 401, 'a single-use key is spent');
  assert.match(second.body.error.message, /used/);

  const listed = EnrollmentKeyList.parse(
    (await call(hub.url, 'GET', '/api/v1/enrollment-keys', { token: admin })).body,
  ).keys.find((k) => k.key_id === key.key_id)!;
  assert.is(listed.uses, 1);
  assert.is(listed.runners, 1);
  assert.is(listed.single_use, true);
  assert.not.ok('key' in listed, 'never listed again');

  const old = await createEnrollmentKey(hub.db, { name: 'old', expires_in_s: 60 }, 'test', Date.now() - 61_000);
  assert.is((await enrol(hub.url, old.key)).status, 401, 'expired');

  const reusable = EnrollmentKeyCreated.parse(
    (
      await call(hub.url, 'POST', '/api/v1/enrollment-keys', {
        token: admin,
        body: { name: 'shared', expires_in_s: 3600 },
      })
    ).body,
  );
  assert.is((await enrol(hub.url, reusable.key, 'a')).status, 201);
  assert.is((await enrol(hub.url, reusable.key, 'b')).status, 201, 'reusable');
  assert.is(
    (await call(hub.url, 'DELETE', `/api/v1/enrollment-keys/${reusable.key_id}`, { token: admin })).status,
    200,
  );
  assert.is((await enrol(hub.url, reusable.key, 'c')).status, 401, 'revoked');
  assert.is((await call(hub.url, 'DELETE', '/api/v1/enrollment-keys/enk_nothing', { token: admin })).status, 404);
});

test('personal API tokens: smp_ prefixed, hashed, need a session to create, revocable, and expire', async ({ hub }) => {
  await call(hub.url, 'POST', '/api/v1/users', {
    token: (await login(hub.url, 'admin', 'admin-password')).token,
    body: { username: 'eve', password: 'eve-password' },
  });
  const eve = await login(hub.url, 'eve', 'eve-password');
  const made = await call(hub.url, 'POST', '/api/v1/tokens', { token: eve.token, body: { name: 'script' } });
  assert.is(made.status, 201);
  const tok = ApiTokenCreated.parse(made.body);
  assert.ok(tok.token.startsWith('smp_'));
  assert.is(tok.expires_at, null);
  const row = await hub.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', tok.token_id)
    .executeTakeFirstOrThrow();
  assert.is(row.token_hash, hashToken(tok.token));

  const me = await call(hub.url, 'GET', '/api/v1/auth/me', { token: tok.token });
  assert.is(me.status, 200);
  assert.is(me.body.username, 'eve');
  const list = await call(hub.url, 'GET', '/api/v1/tokens', { token: tok.token });
  assert.is(list.body.tokens.length, 1);
  assert.not.ok(JSON.stringify(list.body).includes(tok.token), 'never listed again');
  const minted = await call(hub.url, 'POST', '/api/v1/tokens', { token: tok.token, body: { name: 'child' } });
  assert.is(minted.status, 403, 'an API token cannot mint API tokens');

  const other = await login(hub.url, 'admin', 'admin-password');
  const notHers = await call(hub.url, 'POST', '/api/v1/tokens', { token: other.token, body: { name: 'admin-token' } });
  const cookie = await call(hub.url, 'DELETE', `/api/v1/tokens/${notHers.body.token_id}`, { token: eve.token });
  assert.is(cookie.status, 404, "another user's token is not found");

  assert.is((await call(hub.url, 'DELETE', `/api/v1/tokens/${tok.token_id}`, { token: eve.token })).status, 200);
  assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token: tok.token })).status, 401, 'revoked');

  const short = ApiTokenCreated.parse(
    (await call(hub.url, 'POST', '/api/v1/tokens', { token: eve.token, body: { name: 'short', expires_in_s: 1 } }))
      .body,
  );
  assert.ok(short.expires_at);
  await hub.db
    .updateTable('api_tokens')
    .set({ expires_at: Date.now() - 1 })
    .where('id', '=', short.token_id)
    .execute();
  assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token: short.token })).status, 401, 'expired');
});

test('the audit log records logins, keys, tokens and tasks; admins read it; it cannot be changed', async ({
  hub,
  admin,
}) => {
  await call(hub.url, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'wrong-password' } });
  const task = await call(hub.url, 'POST', '/api/v1/tasks', {
    token: admin,
    body: { op: 200, params: { dataset: 'weather', where: { column: 'x', op: '>', value: 1 } } },
  });
  assert.is(task.status, 201);
  await call(hub.url, 'POST', `/api/v1/tasks/${task.body.task_id}/cancel`, { token: admin });

  const log = AuditList.parse((await call(hub.url, 'GET', '/api/v1/audit?limit=1000', { token: admin })).body).entries;
  const actions = new Set(log.map((e) => e.action));
  for (const a of [
    'login.ok',
    'login.failed',
    'user.created',
    'user.password_reset',
    'enrollment_key.created',
    'enrollment_key.revoked',
    'runner.registered',
    'token.created',
    'token.revoked',
    'task.created',
    'task.canceled',
    'logout',
  ] as const) {
    if (a === 'logout') continue; // not done in this file
    assert.ok(actions.has(a), `audit has ${a}`);
  }
  const failed = log.find((e) => e.action === 'login.failed')!;
  assert.is(failed.details.username, 'admin');
  assert.ok(failed.ip === '127.0.0.1' || failed.ip === '::ffff:127.0.0.1', String(failed.ip));
  const created = log.find((e) => e.action === 'task.created' && e.target?.id === task.body.task_id)!;
  assert.is(created.actor.name, 'admin');
  assert.is(created.details.dataset, 'weather');
  assert.is(created.details.op, 200);
  assert.match(String(created.details.params_sha256), /^[0-9a-f]{64}$/);
  assert.not.ok(JSON.stringify(log).includes('wrong-password'), 'passwords are never logged');
  assert.ok(
    log.every((e, i) => i === 0 || log[i - 1].id > e.id),
    'newest first',
  );

  const only = AuditList.parse(
    (await call(hub.url, 'GET', '/api/v1/audit?action=task.canceled', { token: admin })).body,
  ).entries;
  assert.is(only.length, 1);
  assert.is(only[0].target?.id, task.body.task_id);
  const page = AuditList.parse(
    (await call(hub.url, 'GET', `/api/v1/audit?limit=2&before=${log[1].id}`, { token: admin })).body,
  ).entries;
  assert.equal(
    page.map((e) => e.id),
    [log[2].id, log[3].id],
  );

  let refused = '';
  await hub.db
    .updateTable('audit_log')
    .set({ action: 'login.ok' })
    .execute()
    .catch((e: Error) => (refused = e.message));
  assert.match(refused, /append-only/);
  refused = '';
  await hub.db
    .deleteFrom('audit_log')
    .execute()
    .catch((e: Error) => (refused = e.message));
  assert.match(refused, /append-only/);
});

test.run();
