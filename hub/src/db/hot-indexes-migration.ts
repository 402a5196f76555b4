// Migration 1100_hot_indexes: the task indexes of the hot paths hold only the rows those paths look for. A task is in the
// claim indexes while it is queued, in the runner and lease indexes while it is leased or running, and in the result
// expiry index once it has a result. Each state change then touches two indexes instead of four, and a finished task
// sits in none of them. Queries use these indexes only when their conditions are written into the SQL as the indexes
// say them (queue/tasks.ts: QUEUED_SQL, ACTIVE_SQL).
import { sql, type Kysely, type Migration, type SqlBool } from 'kysely';

export const hotIndexes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('tasks_queued_target')
      .on('tasks')
      .columns(['target_runner_id', 'created_at', 'id'])
      .where(sql.raw<SqlBool>(`status = 'queued' and target_runner_id is not null`))
      .execute();
    await db.schema
      .createIndex('tasks_queued_dataset')
      .on('tasks')
      .columns(['dataset', 'created_at', 'id'])
      .where(sql.raw<SqlBool>(`status = 'queued' and target_runner_id is null`))
      .execute();
    await db.schema
      .createIndex('tasks_active_runner')
      .on('tasks')
      .column('runner_id')
      .where(sql.raw<SqlBool>(`status in ('leased', 'running')`))
      .execute();
    await db.schema
      .createIndex('tasks_active_lease')
      .on('tasks')
      .column('lease_expires_at')
      .where(sql.raw<SqlBool>(`status in ('leased', 'running')`))
      .execute();
    await db.schema.dropIndex('tasks_result_expiry').execute();
    await db.schema
      .createIndex('tasks_result_expiry')
      .on('tasks')
      .column('result_expires_at')
      .where(sql.raw<SqlBool>('result_expires_at is not null'))
      .execute();
    for (const old of ['tasks_pick_target', 'tasks_pick_dataset', 'tasks_runner_status', 'tasks_status_lease'])
      await db.schema.dropIndex(old).execute();
  } /** Back to the full indexes of 0001_initial and 0700_scale. */,
  async down(db: Kysely<any>) {
    for (const name of ['tasks_queued_target', 'tasks_queued_dataset', 'tasks_active_runner', 'tasks_active_lease'])
      await db.schema.dropIndex(name).execute();
    await db.schema.dropIndex('tasks_result_expiry').execute();
    await db.schema.createIndex('tasks_result_expiry').on('tasks').column('result_expires_at').execute();
    const full: [string, string[]][] = [
      ['tasks_pick_target', ['status', 'target_runner_id', 'created_at', 'id']],
      ['tasks_pick_dataset', ['status', 'dataset', 'created_at', 'id']],
      ['tasks_runner_status', ['runner_id', 'status']],
      ['tasks_status_lease', ['status', 'lease_expires_at']],
    ];
    for (const [name, columns] of full) await db.schema.createIndex(name).on('tasks').columns(columns).execute();
  },
};
