// Migration 0700_scale: claim indexes that hand out the oldest due tasks without sorting the whole queue.
import type { Kysely, Migration } from 'kysely';

export const scale: Migration = {
  async up(db: Kysely<any>) {
    // Equality on (status, target) or (status, dataset), then created_at order: the claim walks the index and stops after
    // `limit` rows. The first migration's indexes put available_at before created_at, which forced a sort of every queued
    // task on each claim; they are replaced (available_at is checked on the rows walked).
    await db.schema
      .createIndex('tasks_pick_target')
      .on('tasks')
      .columns(['status', 'target_runner_id', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex('tasks_pick_dataset')
      .on('tasks')
      .columns(['status', 'dataset', 'created_at', 'id'])
      .execute();
    await db.schema.dropIndex('tasks_claim_target').execute();
    await db.schema.dropIndex('tasks_claim_dataset').execute();
  },
};
