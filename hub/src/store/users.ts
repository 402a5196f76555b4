// Users, sessions and personal API tokens.
import type { Role } from '@simpul/protocol';
import type { Db, UserRow } from '../db/schema.ts';
import { hashPassword } from '../auth/passwords.ts';
import { hashToken, newId, newToken, sameHash } from '../auth/tokens.ts';

export const SESSION_TTL_MS = 12 * 3600 * 1000;

export async function createUser(db: Db, username: string, password: string, role: Role, now = Date.now()): Promise<UserRow> {
  const row: UserRow = { id: newId('usr'), username, password_hash: await hashPassword(password), role, created_at: now, disabled_at: null };
  await db.insertInto('users').values(row).execute();
  return row;
}

export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('id', '=', userId).execute();
}

export function findUserByName(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createSession(db: Db, userId: string, now = Date.now()): Promise<{ id: string; token: string; expiresAt: number }> {
  const token = newToken('session');
  const id = newId('ses');
  const expiresAt = now + SESSION_TTL_MS;
  await db.insertInto('sessions').values({ id, token_hash: hashToken(token), user_id: userId, created_at: now, expires_at: expiresAt, revoked_at: null }).execute();
  return { id, token, expiresAt };
}

export interface Credential {
  user: UserRow;
  sessionId?: string; // set when the credential is a session
  tokenId?: string; // set when it is a personal API token
  expiresAt?: number | null; // when it stops working (null: never)
}

/** The user behind a session token, if the session is live. */
export async function userForSession(db: Db, token: string, now = Date.now()): Promise<Credential | undefined> {
  const h = hashToken(token);
  const s = await db.selectFrom('sessions').selectAll().where('token_hash', '=', h).executeTakeFirst();
  if (!s || !sameHash(s.token_hash, h) || s.revoked_at !== null || s.expires_at <= now) return undefined;
  const user = await getUser(db, s.user_id);
  if (!user || user.disabled_at !== null) return undefined;
  return { user, sessionId: s.id, expiresAt: s.expires_at };
}

/** The user behind a personal API token, if it is live. */
export async function userForApiToken(db: Db, token: string, now = Date.now()): Promise<Credential | undefined> {
  const h = hashToken(token);
  const t = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', h).executeTakeFirst();
  if (!t || !sameHash(t.token_hash, h) || t.revoked_at !== null || (t.expires_at !== null && t.expires_at <= now)) return undefined;
  const user = await getUser(db, t.user_id);
  if (!user || user.disabled_at !== null) return undefined;
  return { user, tokenId: t.id, expiresAt: t.expires_at };
}

export async function revokeSession(db: Db, sessionId: string, now = Date.now()): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}
