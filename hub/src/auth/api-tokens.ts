// Personal API tokens (`smp_…`) for curl and scripts: hashed, revocable, with an optional expiry.
import type { ApiTokenCreate, ApiTokenCreated, ApiTokenView } from '@simpul/protocol';
import type { Db } from '../db/schema.ts';
import { iso, isoOrNull } from '../store/json.ts';
import { ACCOUNT_DISABLED, getUser, type Credential } from '../store/users.ts';
import { unauthorized } from '../errors.ts';
import { hashToken, newId, newToken, sameHash } from './tokens.ts';

type Row = { id: string; name: string; created_at: number; expires_at: number | null; revoked_at: number | null };

const view = (r: Row): ApiTokenView => ({
  token_id: r.id,
  name: r.name,
  created_at: iso(r.created_at),
  expires_at: isoOrNull(r.expires_at),
  revoked_at: isoOrNull(r.revoked_at),
});

export async function createApiToken(
  db: Db,
  userId: string,
  body: ApiTokenCreate,
  now = Date.now(),
): Promise<ApiTokenCreated> {
  const token = newToken('api');
  const row = {
    id: newId('tok'),
    token_hash: hashToken(token),
    user_id: userId,
    name: body.name,
    created_at: now,
    expires_at: body.expires_in_s === undefined ? null : now + body.expires_in_s * 1000,
    revoked_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { ...view(row), token };
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenView[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'created_at', 'expires_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(view);
}

export function getApiToken(db: Db, id: string) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'name', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function revokeApiToken(db: Db, id: string, now = Date.now()): Promise<boolean> {
  const res = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The user behind a personal API token, if it is live. */
export async function userForApiToken(db: Db, token: string, now = Date.now()): Promise<Credential | undefined> {
  const h = hashToken(token);
  const t = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', h).executeTakeFirst();
  if (!t || !sameHash(t.token_hash, h) || t.revoked_at !== null || (t.expires_at !== null && t.expires_at <= now))
    return undefined;
  const user = await getUser(db, t.user_id);
  if (!user) return undefined;
  if (user.disabled_at !== null) throw unauthorized(ACCOUNT_DISABLED);
  return { user, tokenId: t.id, expiresAt: t.expires_at };
}

/** Every row of the user's (their account is being deleted). */
export async function deleteApiTokensOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
}
