// Routes for admins: users, enrolment keys and the audit log.
import type { Hono } from 'hono';
import {
  AuditQuery,
  EnrollmentKeyCreate,
  Id,
  PasswordReset,
  ROUTES,
  UserCreate,
  UserUpdate,
  type AuditList,
  type EnrollmentKeyList,
  type UserList,
} from '@simpul/protocol';
import { addUser, deleteUser, listUsers, resetPassword, updateUser } from '../admin/users.ts';
import { listAudit } from '../audit/audit-list.ts';
import { auditRequest } from '../audit/audit.ts';
import { createEnrollmentKey, listEnrollmentKeys, revokeEnrollmentKey } from '../auth/enrollment.ts';
import { notFound } from '../errors.ts';
import { getUser } from '../store/users.ts';
import { userView } from '../store/views.ts';
import { requireUser } from './guards/caller.ts';
import type { HubEnv } from './env.ts';
import { readBody, readParam, readQuery } from './parse.ts';

export function adminRoutes(app: Hono<HubEnv>): void {
  app.get(ROUTES.listUsers.path, async (c) => {
    await requireUser(c, 'admin');
    const reply: UserList = { users: (await listUsers(c.get('hub').db)).map(userView) };
    return c.json(reply);
  });

  app.post(ROUTES.createUser.path, async (c) => {
    await requireUser(c, 'admin');
    const body = await readBody(c, UserCreate);
    const user = await addUser(c.get('hub').db, body.username, body.password, body.role);
    await auditRequest(c, {
      action: 'user.created',
      target: { kind: 'user', id: user.id },
      details: { username: user.username, role: user.role },
    });
    return c.json(userView(user), 201);
  });

  app.post(ROUTES.resetPassword.path, async (c) => {
    await requireUser(c, 'admin');
    const id = readParam(c, 'user_id', Id);
    const body = await readBody(c, PasswordReset);
    const db = c.get('hub').db;
    const user = await getUser(db, id);
    if (!user) throw notFound(`no user ${id}`);
    await resetPassword(db, user.id, body.password);
    c.get('hub').events.signedOut({ sessionsOf: user.id }); // the sessions ended: so do their /web sockets
    await auditRequest(c, {
      action: 'user.password_reset',
      target: { kind: 'user', id: user.id },
      details: { username: user.username },
    });
    return c.json({ ok: true as const });
  });

  app.post(ROUTES.updateUser.path, async (c) => {
    const admin = await requireUser(c, 'admin');
    const id = readParam(c, 'user_id', Id);
    const body = await readBody(c, UserUpdate);
    const hub = c.get('hub');
    const { before, after } = await updateUser(hub.db, hub.kind, admin.user.id, id, body);
    if (!after) throw notFound(`no user ${id}`);
    const target = { kind: 'user', id };
    const wasDisabled = before.disabled_at !== null;
    const isDisabled = after.disabled_at !== null;
    // A disabled user's pages lose their sockets at once; so do a demoted admin's (they were in the admins room).
    if ((isDisabled && !wasDisabled) || (before.role === 'admin' && after.role !== 'admin'))
      hub.events.signedOut({ userId: id });
    if (isDisabled !== wasDisabled)
      await auditRequest(c, {
        action: isDisabled ? 'user.disabled' : 'user.enabled',
        target,
        details: { username: after.username },
      });
    if (after.role !== before.role)
      await auditRequest(c, {
        action: 'user.role_changed',
        target,
        details: { username: after.username, before: before.role, after: after.role },
      });
    return c.json(userView(after));
  });

  app.delete(ROUTES.deleteUser.path, async (c) => {
    const admin = await requireUser(c, 'admin');
    const id = readParam(c, 'user_id', Id);
    const hub = c.get('hub');
    const { before } = await deleteUser(hub.db, hub.kind, admin.user.id, id);
    hub.events.signedOut({ userId: id });
    await auditRequest(c, {
      action: 'user.deleted',
      target: { kind: 'user', id },
      details: { username: before.username, role: before.role },
    });
    return c.json({ ok: true as const });
  });

  app.get(ROUTES.listEnrollmentKeys.path, async (c) => {
    await requireUser(c, 'admin');
    const reply: EnrollmentKeyList = { keys: await listEnrollmentKeys(c.get('hub').db) };
    return c.json(reply);
  });

  app.post(ROUTES.createEnrollmentKey.path, async (c) => {
    const admin = await requireUser(c, 'admin');
    const body = await readBody(c, EnrollmentKeyCreate);
    const created = await createEnrollmentKey(c.get('hub').db, body, admin.user.id);
    await auditRequest(c, {
      action: 'enrollment_key.created',
      target: { kind: 'enrollment_key', id: created.key_id },
      details: { name: created.name, single_use: created.single_use, expires_at: created.expires_at },
    });
    return c.json(created, 201);
  });

  app.delete(ROUTES.revokeEnrollmentKey.path, async (c) => {
    await requireUser(c, 'admin');
    const id = readParam(c, 'key_id', Id);
    const { found, revoked } = await revokeEnrollmentKey(c.get('hub').db, id);
    if (!found) throw notFound(`no enrolment key ${id}`);
    if (revoked) await auditRequest(c, { action: 'enrollment_key.revoked', target: { kind: 'enrollment_key', id } });
    return c.json({ ok: true as const });
  });

  app.get(ROUTES.audit.path, async (c) => {
    await requireUser(c, 'admin');
    const q = readQuery(c, AuditQuery);
    const reply: AuditList = { entries: await listAudit(c.get('hub').db, q) };
    return c.json(reply);
  });
}
