// Blob rows: one per upload slot; stored once the bytes arrived, kept as long as the result that names it.
import type { BlobRow, Db } from '../db/schema.ts';

export function insertBlob(db: Db, row: BlobRow): Promise<unknown> {
  return db.insertInto('blobs').values(row).execute();
}

export function getBlob(db: Db, id: string): Promise<BlobRow | undefined> {
  return db.selectFrom('blobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** pending → stored, once; false when it was stored already (or is gone). */
export async function markStored(db: Db, id: string, now = Date.now()): Promise<boolean> {
  const res = await db
    .updateTable('blobs')
    .set({ state: 'stored', stored_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The blob lives as long as the result that names it. */
export async function keepUntil(db: Db, id: string, expiresAt: number): Promise<void> {
  await db.updateTable('blobs').set({ expires_at: expiresAt }).where('id', '=', id).execute();
}

export function expiredBlobs(db: Db, now: number, limit = 500): Promise<BlobRow[]> {
  return db.selectFrom('blobs').selectAll().where('expires_at', '<', now).orderBy('expires_at').limit(limit).execute();
}

export async function deleteBlobRow(db: Db, id: string): Promise<void> {
  await db.deleteFrom('blobs').where('id', '=', id).execute();
}
