// Migration 1200_current_attempt: a task's current (or last) attempt lives in its own row — runner_id, attempt,
// lease_token and the new leased_at — and from now on task_attempts gets a row only for an attempt that ends while the
// task goes on (released, lost) or that the reaper ends. A lease and a result then write no attempt row: on the hot path that was an
// insert into a table with four indexes at every lease and an update at every result (a third of the WAL pages a
// create wrote on SQLite). queue/attempts.ts reads both back as one list.
import { sql, type Kysely, type Migration } from 'kysely';

export const currentAttempt: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('leased_at', 'bigint').execute();
    // The attempts that the rows of leased and running tasks now describe: their lease times move to the task, their
    // rows go. Finished tasks keep their rows (a row for the task's lease wins over the task row's own description), so
    // that the upgrade touches only the tasks in flight, not every task ever run.
    await sql`update tasks set leased_at = (select a.started_at from task_attempts a where a.lease_token = tasks.lease_token)
      where status in ('leased', 'running') and lease_token is not null`.execute(db);
    await sql`delete from task_attempts where outcome = 'running'
      and lease_token in (select lease_token from tasks where status in ('leased', 'running'))`.execute(db);
  },
};
