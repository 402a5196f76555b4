// Enrolment keys made by admins: single-use or reusable, optional expiry, shown once, stored as SHA-256 hashes.
import type { EnrollmentKeyCreate, EnrollmentKeyCreated, EnrollmentKeyView } from '@simpul/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/schema.ts';
import { iso, isoOrNull } from '../store/json.ts';
import { runnersPerEnrollmentKey } from '../store/runners.ts';
import { hashToken, newId, newToken, sameHash } from './tokens.ts';

export async function createEnrollmentKey(
  db: Db,
  body: EnrollmentKeyCreate,
  createdBy: string,
  now = Date.now(),
): Promise<EnrollmentKeyCreated> {
  const key = newToken('enrollment');
  const row = {
    id: newId('enk'),
    key_hash: hashToken(key),
    name: body.name,
    created_at: now,
    revoked_at: null,
    single_use: body.single_use ? 1 : 0,
    expires_at: body.expires_in_s === undefined ? null : now + body.expires_in_s * 1000,
    uses: 0,
    last_used_at: null,
    created_by: createdBy,
  };
  await db.insertInto('enrollment_keys').values(row).execute();
  return {
    key_id: row.id,
    name: row.name,
    created_at: iso(now),
    revoked_at: null,
    last_used_at: null,
    runners: 0,
    single_use: row.single_use === 1,
    expires_at: isoOrNull(row.expires_at),
    uses: 0,
    key,
  };
}

export async function listEnrollmentKeys(db: Db): Promise<EnrollmentKeyView[]> {
  const rows = await db.selectFrom('enrollment_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
  const counts = await runnersPerEnrollmentKey(db);
  const runners = new Map(counts.map((c) => [c.enrollment_key_id, Number(c.n)]));
  return rows.map((r) => ({
    key_id: r.id,
    name: r.name,
    created_at: iso(r.created_at),
    revoked_at: isoOrNull(r.revoked_at),
    last_used_at: isoOrNull(r.last_used_at),
    runners: runners.get(r.id) ?? 0,
    single_use: r.single_use === 1,
    expires_at: isoOrNull(r.expires_at),
    uses: r.uses,
  }));
}

/** Returns false when there is no such key or it was already revoked. */
export async function revokeEnrollmentKey(
  db: Db,
  id: string,
  now = Date.now(),
): Promise<{ found: boolean; revoked: boolean }> {
  const row = await db
    .selectFrom('enrollment_keys')
    .select(['id', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return { found: false, revoked: false };
  if (row.revoked_at !== null) return { found: true, revoked: false };
  await db
    .updateTable('enrollment_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return { found: true, revoked: true };
}

/**
 * Spends one use of the key: one conditional UPDATE, so two runners racing with a single-use key cannot both enrol.
 * Returns the key's id, or undefined when the key is unknown, revoked, expired or already used up.
 */
export async function consumeEnrollmentKey(db: Db, key: string, now = Date.now()): Promise<string | undefined> {
  const h = hashToken(key);
  const row = await db
    .selectFrom('enrollment_keys')
    .select(['id', 'key_hash'])
    .where('key_hash', '=', h)
    .executeTakeFirst();
  if (!row || !sameHash(row.key_hash, h)) return undefined;
  const res = await db
    .updateTable('enrollment_keys')
    .set({ uses: sql<number>`uses + 1`, last_used_at: now })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .where((eb) => eb.or([eb('single_use', '=', 0), eb('uses', '=', 0)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1 ? row.id : undefined;
}

/** Undoes one use of the key (an enrolment that failed after the key was spent). */
export async function giveBackEnrollmentKey(db: Db, id: string): Promise<void> {
  await db
    .updateTable('enrollment_keys')
    .set({ uses: sql<number>`uses - 1` })
    .where('id', '=', id)
    .where('uses', '>', 0)
    .execute();
}
