// Migration 1200_current_attempt: a task's current (or last) attempt lives in its own row — runner_id, attempt,
// lease_token and the new leased_at — and task_attempts keeps only attempts that ended while the task went on (released,
// lost, timed out) or that the reaper ended. A lease and a result then write no attempt row: on the hot path that was an
// insert into a table with four indexes at every lease and an update at every result (a third of the WAL pages a
// create wrote on SQLite). queue/attempts.ts reads both back as one list.
import { sql, type Kysely, type Migration } from 'kysely';

export const currentAttempt: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('leased_at', 'bigint').execute();
    // The attempts that the task's row now describes: its current lease, not ended by the reaper or a release.
    await sql`update tasks set leased_at = (select a.started_at from task_attempts a where a.lease_token = tasks.lease_token)
      where lease_token is not null`.execute(db);
    await sql`delete from task_attempts where outcome in ('running', 'succeeded', 'failed', 'canceled')
      and lease_token in (select lease_token from tasks where lease_token is not null)`.execute(db);
  },
};
