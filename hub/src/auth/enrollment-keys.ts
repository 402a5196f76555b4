// Enrolment keys: reusable secrets that let a runner register; stored as hashes.
import type { Db } from '../db/schema.ts';
import { hashToken, newId } from './tokens.ts';

export async function addEnrollmentKey(db: Db, key: string, name: string, now = Date.now()): Promise<void> {
  const h = hashToken(key);
  const existing = await db.selectFrom('enrollment_keys').select('id').where('key_hash', '=', h).executeTakeFirst();
  if (existing) return;
  await db
    .insertInto('enrollment_keys')
    .values({ id: newId('enk'), key_hash: h, name, created_at: now, revoked_at: null })
    .execute();
}

export function findEnrollmentKey(db: Db, key: string) {
  return db.selectFrom('enrollment_keys').selectAll().where('key_hash', '=', hashToken(key)).executeTakeFirst();
}
