// User administration: list, create (unique names), password resets that end the user's sessions, disable, role, delete.
import type { Role, UserUpdate } from '@simpul/protocol';
import type { DialectKind } from '../db/connect.ts';
import type { Db, UserRow } from '../db/schema.ts';
import { conflict, notFound } from '../errors.ts';
import { deleteApiTokensOf } from '../auth/api-tokens.ts';
import { deleteAccessOf } from '../auth/runner-access.ts';
import {
  createUser,
  deleteUserRow,
  findUserByName,
  getUser,
  lockAdmins,
  otherAdmins,
  revokeUserSessions,
  setPassword,
  setUserFields,
} from '../store/users.ts';

export { listUsers } from '../store/users.ts';

/** 409 when the name is taken (also when another request took it a moment ago). */
export async function addUser(db: Db, username: string, password: string, role: Role): Promise<UserRow> {
  if (await findUserByName(db, username)) throw conflict(`user ${username} already exists`);
  try {
    return await createUser(db, username, password, role);
  } catch (err) {
    if (await findUserByName(db, username)) throw conflict(`user ${username} already exists`);
    throw err;
  }
}

/** A new password; every live session of the user ends (API tokens stay: they are revoked one by one). */
export async function resetPassword(db: Db, userId: string, password: string, now = Date.now()): Promise<void> {
  await setPassword(db, userId, password);
  await revokeUserSessions(db, userId, now);
}

/** What an update or a delete changed, for the audit log and for closing sockets. */
export interface UserChange {
  before: UserRow;
  after: UserRow | undefined; // undefined: deleted
}

/**
 * 404 for an unknown user; 409 when `actorId` acts on themselves or would leave no enabled admin. On PostgreSQL the
 * admins' rows are locked first, so that two admins disabling each other at once cannot leave none (SQLite runs one
 * writing transaction at a time anyway).
 */
async function guard(
  db: Db,
  kind: DialectKind,
  actorId: string,
  userId: string,
  what: string,
  losesAdmin: boolean,
): Promise<UserRow> {
  if (kind === 'postgres') await lockAdmins(db);
  const user = await getUser(db, userId);
  if (!user) throw notFound(`no user ${userId}`);
  if (user.id === actorId) throw conflict(`you cannot ${what} yourself: ask another admin`);
  if (losesAdmin && user.role === 'admin' && user.disabled_at === null && (await otherAdmins(db, user.id)) === 0)
    throw conflict(`you cannot ${what} ${user.username}: they are the last admin`);
  return user;
}

/**
 * Disable or enable a user, or change their role. Disabling ends every session of the user (their API tokens stay,
 * refused while the user is disabled, and work again once enabled).
 */
export async function updateUser(
  db: Db,
  kind: DialectKind,
  actorId: string,
  userId: string,
  body: UserUpdate,
  now = Date.now(),
): Promise<UserChange> {
  return db.transaction().execute(async (trx) => {
    const disabling = body.disabled === true;
    const demoting = body.role !== undefined && body.role !== 'admin';
    const what = disabling ? 'disable' : demoting ? 'demote' : 'change';
    const before = await guard(trx, kind, actorId, userId, what, disabling || demoting);
    const set: { disabled_at?: number | null; role?: Role } = {};
    if (body.disabled !== undefined && body.disabled !== (before.disabled_at !== null))
      set.disabled_at = body.disabled ? now : null;
    if (body.role !== undefined && body.role !== before.role) set.role = body.role;
    if (Object.keys(set).length > 0) await setUserFields(trx, userId, set);
    if (set.disabled_at) await revokeUserSessions(trx, userId, now);
    return { before, after: await getUser(trx, userId) };
  });
}

/**
 * Delete a user: their sessions, API tokens and runner access go with them (foreign keys, on delete cascade). Their
 * tasks and studies stay, `created_by` keeping the deleted user's id (a plain column, not a foreign key), so results
 * and the audit log still say who asked.
 */
export async function deleteUser(db: Db, kind: DialectKind, actorId: string, userId: string): Promise<UserChange> {
  return db.transaction().execute(async (trx) => {
    const before = await guard(trx, kind, actorId, userId, 'delete', true);
    await deleteApiTokensOf(trx, userId);
    await deleteAccessOf(trx, userId);
    await deleteUserRow(trx, userId); // and their sessions
    return { before, after: undefined };
  });
}
