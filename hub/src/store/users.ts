// Users and sessions (personal API tokens are auth/api-tokens.ts).
import type { Role } from '@simpul/protocol';
import { expressionBuilder } from 'kysely';
import type { Database, Db, UserRow } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';
import { hashPassword } from '../auth/passwords.ts';
import { hashToken, newId, newToken, sameHash } from '../auth/tokens.ts';
import { unauthorized } from '../errors.ts';

/** What a disabled user hears, from the login and from any of their tokens (401). */
export const ACCOUNT_DISABLED = 'this account is disabled: ask an admin';

export const SESSION_TTL_MS = 12 * 3600 * 1000;

export async function createUser(
  db: Db,
  username: string,
  password: string,
  role: Role,
  now = Date.now(),
): Promise<UserRow> {
  const row: UserRow = {
    id: newId('usr'),
    username,
    password_hash: await hashPassword(password),
    role,
    created_at: now,
    disabled_at: null,
  };
  await db.insertInto('users').values(row).execute();
  return row;
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password) })
    .where('id', '=', userId)
    .execute();
}

export function findUserByName(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createSession(
  db: Db,
  userId: string,
  now = Date.now(),
): Promise<{ id: string; token: string; expiresAt: number }> {
  const token = newToken('session');
  const id = newId('ses');
  const expiresAt = now + SESSION_TTL_MS;
  await db
    .insertInto('sessions')
    .values({
      id,
      token_hash: hashToken(token),
      user_id: userId,
      created_at: now,
      expires_at: expiresAt,
      revoked_at: null,
    })
    .execute();
  return { id, token, expiresAt };
}

export interface Credential {
  user: UserRow;
  sessionId?: string; // set when the credential is a session
  tokenId?: string; // set when it is a personal API token
  expiresAt?: number | null; // when it stops working (null: never)
}

/** The user behind a session token, if the session is live. */
/** The session and its user in one read (every request of a logged-in user makes it), compiled once. */
const sessionAndUser = prepared((db: Db, tokenHash: string) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select([
      's.id as s_id',
      's.token_hash as s_token_hash',
      's.expires_at as s_expires_at',
      's.revoked_at as s_revoked_at',
    ])
    .where('s.token_hash', '=', tokenHash),
);

export async function userForSession(db: Db, token: string, now = Date.now()): Promise<Credential | undefined> {
  const h = hashToken(token);
  const row = (await sessionAndUser(db, h)).rows[0];
  if (!row || !sameHash(row.s_token_hash, h) || row.s_revoked_at !== null || row.s_expires_at <= now) return undefined;
  const { s_id, s_token_hash, s_expires_at, s_revoked_at, ...user } = row;
  if (user.disabled_at !== null) throw unauthorized(ACCOUNT_DISABLED);
  return { user, sessionId: s_id, expiresAt: s_expires_at };
}

export async function revokeSession(db: Db, sessionId: string, now = Date.now()): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

export function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('username').execute();
}

export async function anyAdmin(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirst()) !== undefined;
}

/** Id and name of the users with these names (absent names are missing). */
export function usersByName(db: Db, names: string[]) {
  return db.selectFrom('users').select(['id', 'username']).where('username', 'in', names).execute();
}

/** Id and name of the users with these ids, by name. */
export function usernamesOf(db: Db, ids: string[]) {
  return db.selectFrom('users').select(['id', 'username']).where('id', 'in', ids).orderBy('username').execute();
}

/** For a subquery: the ids of admins (the claim's access check). */
export function adminIds() {
  return expressionBuilder<Database, never>().selectFrom('users as u').select('u.id').where('u.role', '=', 'admin');
}

/** Every live session of the user ends. */
export async function revokeUserSessions(db: Db, userId: string, now = Date.now()): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Enabled admins other than `userId`. */
export async function otherAdmins(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '!=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** PostgreSQL: locks the admins' rows for the rest of the transaction. */
export async function lockAdmins(db: Db): Promise<void> {
  await db.selectFrom('users').select('id').where('role', '=', 'admin').forUpdate().execute();
}

export async function setUserFields(
  db: Db,
  userId: string,
  set: { disabled_at?: number | null; role?: Role },
): Promise<void> {
  await db.updateTable('users').set(set).where('id', '=', userId).execute();
}

/** The user's row and sessions. */
export async function deleteUserRow(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await db.deleteFrom('users').where('id', '=', userId).execute();
}
