// Admins disable, enable, re-role and delete users (issue #18): audited; a disabled user's sessions, tokens and sockets
// end at once; nobody disables, demotes or deletes themselves or the last admin; a deleted user's tasks stay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiTokenCreated, AuditList, UserView } from '@simpul/protocol';
import { addUser, DIALECTS, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { call, login } from '../testing/http.ts';
import { connectWeb } from '../testing/sockets.ts';

async function audit(hub: TestHub, admin: string, action: string, target: string) {
  const r = await call(hub.url, 'GET', `/api/v1/audit?action=${action}&target_id=${target}`, { token: admin });
  return AuditList.parse(r.body).entries;
}

for (const dialect of DIALECTS) {
  test(`${dialect}: disabling ends sessions, tokens and sockets at once; enabling lets the user back in`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      const ana = await addUser(hub.ctx, 'ana');
      const session = (await login(hub.url, 'ana', 'ana-password')).token;
      const made = await call(hub.url, 'POST', '/api/v1/tokens', { token: session, body: { name: 'script' } });
      const apiToken = ApiTokenCreated.parse(made.body).token;
      const viaToken = await connectWeb(hub.url, { token: apiToken });
      const viaSession = await connectWeb(hub.url, { token: session });
      let closed = 0;
      viaToken.on('disconnect', () => closed++);
      viaSession.on('disconnect', () => closed++);

      const off = await call(hub.url, 'POST', `/api/v1/users/${ana.id}`, { token: admin, body: { disabled: true } });
      assert.is(off.status, 200);
      const view = UserView.parse(off.body);
      assert.ok(view.disabled_at, 'disabled_at is set');
      await waitFor('both sockets close', () => closed === 2, 3000);

      assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token: session })).status, 401, 'the session ended');
      const me = await call(hub.url, 'GET', '/api/v1/auth/me', { token: apiToken });
      assert.is(me.status, 401);
      assert.match(me.body.error.message, /disabled/, 'the API token says why');
      const relog = await call(hub.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'ana', password: 'ana-password' },
      });
      assert.is(relog.status, 401);
      assert.match(relog.body.error.message, /disabled/, 'the right password learns why');
      const wrong = await call(hub.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'ana', password: 'not-her-password' },
      });
      assert.is(wrong.status, 401);
      assert.not.match(wrong.body.error.message, /disabled/, 'a wrong password learns nothing');
      assert.is((await audit(hub, admin, 'user.disabled', ana.id)).length, 1);

      const on = await call(hub.url, 'POST', `/api/v1/users/${ana.id}`, { token: admin, body: { disabled: false } });
      assert.is(on.status, 200);
      assert.is(on.body.disabled_at, null);
      assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token: apiToken })).status, 200, 'tokens work again');
      assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token: session })).status, 401, 'sessions stay ended');
      assert.ok((await login(hub.url, 'ana', 'ana-password')).token);
      assert.is((await audit(hub, admin, 'user.enabled', ana.id)).length, 1);
      viaToken.close();
      viaSession.close();
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: roles change (audited); not yourself, not the last admin (409)`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      const selfId = (await call(hub.url, 'GET', '/api/v1/auth/me', { token: admin })).body.user_id;
      const bob = await addUser(hub.ctx, 'bob');

      for (const body of [{ disabled: true }, { role: 'analyst' }]) {
        const r = await call(hub.url, 'POST', `/api/v1/users/${selfId}`, { token: admin, body });
        assert.is(r.status, 409, JSON.stringify(body));
        assert.match(r.body.error.message, /yourself/);
      }
      assert.is((await call(hub.url, 'DELETE', `/api/v1/users/${selfId}`, { token: admin })).status, 409);
      assert.is((await call(hub.url, 'POST', `/api/v1/users/${bob.id}`, { token: admin, body: {} })).status, 400);
      assert.is(
        (await call(hub.url, 'POST', '/api/v1/users/usr_nobody', { token: admin, body: { role: 'admin' } })).status,
        404,
      );

      const up = await call(hub.url, 'POST', `/api/v1/users/${bob.id}`, { token: admin, body: { role: 'admin' } });
      assert.is(up.status, 200);
      assert.is(up.body.role, 'admin');
      const changed = await audit(hub, admin, 'user.role_changed', bob.id);
      assert.equal(changed[0].details, { username: 'bob', before: 'analyst', after: 'admin' });

      // Two admins: one may demote the other; the one left cannot demote himself (nor be the last to go).
      const bobToken = (await login(hub.url, 'bob', 'bob-password')).token;
      assert.is(
        (await call(hub.url, 'POST', `/api/v1/users/${selfId}`, { token: bobToken, body: { role: 'analyst' } })).status,
        200,
        'two admins: one may demote the other',
      );
      const last = await call(hub.url, 'POST', `/api/v1/users/${bob.id}`, {
        token: bobToken,
        body: { role: 'analyst' },
      });
      assert.is(last.status, 409, 'bob is the last admin, and himself');
      assert.is((await call(hub.url, 'GET', '/api/v1/users', { token: admin })).status, 403, 'demoted: no admin API');
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: two admins disabling each other at once: one wins, an enabled admin remains`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      const adminId = (await call(hub.url, 'GET', '/api/v1/auth/me', { token: admin })).body.user_id;
      const root2 = await addUser(hub.ctx, 'root2', 'admin');
      const other = (await login(hub.url, 'root2', 'root2-password')).token;
      const replies = await Promise.all([
        call(hub.url, 'POST', `/api/v1/users/${root2.id}`, { token: admin, body: { disabled: true } }),
        call(hub.url, 'POST', `/api/v1/users/${adminId}`, { token: other, body: { disabled: true } }),
      ]);
      const statuses = replies.map((r) => r.status);
      assert.is(statuses.filter((s) => s === 200).length, 1, statuses.join(' '));
      const enabled = await hub.db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .where('disabled_at', 'is', null)
        .execute();
      assert.is(enabled.length, 1);
    } finally {
      await hub.cleanup();
    }
  });

  test(`${dialect}: deleting a user: tokens, sessions and runner access go; their tasks stay with created_by`, async () => {
    const hub = await startTestHub({}, dialect);
    try {
      const admin = (await login(hub.url, 'admin', 'admin-password')).token;
      const cleo = await addUser(hub.ctx, 'cleo');
      const session = (await login(hub.url, 'cleo', 'cleo-password')).token;
      const apiToken = ApiTokenCreated.parse(
        (await call(hub.url, 'POST', '/api/v1/tokens', { token: session, body: { name: 't' } })).body,
      ).token;
      const task = await call(hub.url, 'POST', '/api/v1/tasks', {
        token: session,
        body: { op: 100, params: { dataset: 'nowhere', limit: 1 } },
      });
      assert.is(task.status, 201);
      const ws = await connectWeb(hub.url, { token: session });
      let closed = false;
      ws.on('disconnect', () => (closed = true));

      assert.is((await call(hub.url, 'DELETE', `/api/v1/users/${cleo.id}`, { token: admin })).status, 200);
      await waitFor('the socket closes', () => closed, 3000);
      for (const token of [session, apiToken])
        assert.is((await call(hub.url, 'GET', '/api/v1/auth/me', { token })).status, 401);
      assert.is((await call(hub.url, 'DELETE', `/api/v1/users/${cleo.id}`, { token: admin })).status, 404);
      const kept = await call(hub.url, 'GET', `/api/v1/tasks/${task.body.task_id}`, { token: admin });
      assert.is(kept.status, 200, 'the task stays');
      assert.is(kept.body.created_by, cleo.id, 'created_by keeps the id');
      const left = await hub.db.selectFrom('api_tokens').select('id').where('user_id', '=', cleo.id).execute();
      assert.is(left.length, 0);
      const entry = (await audit(hub, admin, 'user.deleted', cleo.id))[0];
      assert.equal(entry.details, { username: 'cleo', role: 'analyst' });
      ws.close();
    } finally {
      await hub.cleanup();
    }
  });
}

test.run();
