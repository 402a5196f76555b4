// Migration 0100_blobs: files in the blob store (exports and large results) and the key that signs their links.
import type { Kysely, Migration } from 'kysely';

export const blobs: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('blobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('runner_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('backend', 'text', (c) => c.notNull()) // local | s3
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull()) // pending | stored
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('stored_at', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('blobs_task').on('blobs').column('task_id').execute();
    await db.schema.createIndex('blobs_expiry').on('blobs').column('expires_at').execute();

    await db.schema
      .createTable('blob_keys')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
