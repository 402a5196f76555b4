// Migration 0200_security: enrolment key options, runner token rotation and sharing, and the append-only audit log.
import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

/** SQLite adds one column per ALTER TABLE. */
async function addColumns(
  db: Kysely<any>,
  table: string,
  cols: [string, 'text' | 'bigint' | 'integer', ((c: any) => any)?][],
): Promise<void> {
  for (const [name, type, build] of cols)
    await db.schema
      .alterTable(table)
      .addColumn(name, type, build ?? ((c) => c))
      .execute();
}

export const security: Migration = {
  async up(db: Kysely<any>) {
    await addColumns(db, 'enrollment_keys', [
      ['single_use', 'integer', (c) => c.notNull().defaultTo(0)],
      ['expires_at', 'bigint'],
      ['uses', 'integer', (c) => c.notNull().defaultTo(0)],
      ['last_used_at', 'bigint'],
      ['created_by', 'text'],
    ]);
    await addColumns(db, 'runners', [
      ['prev_token_expires_at', 'bigint'], // the previous token stops working at this time
      ['shared', 'integer', (c) => c.notNull().defaultTo(1)], // 1: every user may use it; 0: admins and runner_access only
      ['enrollment_key_id', 'text'],
    ]);

    await db.schema
      .createTable('runner_access')
      .addColumn('runner_id', 'text', (c) => c.notNull().references('runners.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull()) // owner | user
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('runner_access_pk', ['runner_id', 'user_id'])
      .execute();
    await db.schema.createIndex('runner_access_user').on('runner_access').column('user_id').execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey()) // sorts by time
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('ip', 'text')
      .addColumn('target_kind', 'text')
      .addColumn('target_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
    await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor_id', 'id']).execute();
    await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_id', 'id']).execute();

    // Append-only in the database itself, not only in the code: updates and deletes of audit lines fail.
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
      await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(
        db,
      );
      await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(
        db,
      );
    } else {
      await sql`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`.execute(
        db,
      );
      await sql`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(
        db,
      );
    }
  },
};
