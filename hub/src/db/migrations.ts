// In-code migrations, written with Kysely's schema builder so that they run on SQLite and PostgreSQL alike.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { currentAttempt } from './attempts-migration.ts';
import { blobs } from './blobs-migration.ts';
import { hotIndexes } from './hot-indexes-migration.ts';
import { security } from './security-migration.ts';
import { scale } from './scale-migration.ts';
import { sites } from './sites-migration.ts';
import { taskNames } from './task-names-migration.ts';

const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('disabled_at', 'bigint')
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();

    await db.schema
      .createTable('enrollment_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();

    await db.schema
      .createTable('runners')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prev_token_hash', 'text')
      .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('datasets', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('version', 'text')
      .addColumn('protocol_version', 'integer', (c) => c.notNull())
      .addColumn('last_seen', 'bigint')
      .addColumn('transport', 'text')
      .addColumn('draining', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('runners_prev_token_hash').on('runners').column('prev_token_hash').execute();

    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('op', 'integer', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('target_runner_id', 'text')
      .addColumn('runner_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('timeout_s', 'integer', (c) => c.notNull())
      .addColumn('lease_token', 'text')
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('available_at', 'bigint', (c) => c.notNull())
      .addColumn('progress', 'double precision')
      .addColumn('progress_message', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('deadline_at', 'bigint')
      .addColumn('error', 'text')
      .addColumn('result', 'text')
      .addColumn('result_hash', 'text')
      .addColumn('result_blob', 'text')
      .addColumn('result_expires_at', 'bigint')
      .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // The claim: queued tasks for a runner or for a dataset, oldest first.
    await db.schema
      .createIndex('tasks_claim_target')
      .on('tasks')
      .columns(['status', 'target_runner_id', 'available_at', 'created_at'])
      .execute();
    await db.schema
      .createIndex('tasks_claim_dataset')
      .on('tasks')
      .columns(['status', 'dataset', 'available_at', 'created_at'])
      .execute();
    // The reaper and "what does this runner hold".
    await db.schema.createIndex('tasks_runner_status').on('tasks').columns(['runner_id', 'status']).execute();
    await db.schema.createIndex('tasks_status_lease').on('tasks').columns(['status', 'lease_expires_at']).execute();
    await db.schema.createIndex('tasks_created').on('tasks').columns(['created_by', 'created_at']).execute();
    await db.schema.createIndex('tasks_result_expiry').on('tasks').column('result_expires_at').execute();

    await db.schema
      .createTable('task_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('runner_id', 'text', (c) => c.notNull())
      .addColumn('lease_token', 'text', (c) => c.notNull().unique())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('task_attempts_task').on('task_attempts').columns(['task_id', 'attempt']).execute();
    await db.schema.createIndex('task_attempts_runner').on('task_attempts').columns(['runner_id', 'task_id']).execute();
  },
};

/** Federated studies: one row per study, one per sub-task (a study's round on one runner; the task row holds its lifecycle). */
const studies: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('studies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('analysis', 'text', (c) => c.notNull())
      .addColumn('require', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('sites', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('withheld_by', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('error', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('studies_status').on('studies').column('status').execute();
    await db.schema.createIndex('studies_created').on('studies').columns(['created_by', 'created_at']).execute();

    await db.schema
      .createTable('study_tasks')
      .addColumn('task_id', 'text', (c) => c.primaryKey())
      .addColumn('study_id', 'text', (c) => c.notNull().references('studies.id').onDelete('cascade'))
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('runner_id', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('study_tasks_round').on('study_tasks').columns(['study_id', 'round']).execute();
  },
};

/** 0800_ops: the request id that created a task, so that it follows the task into hub and runner logs. */
const taskRequestId: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('request_id', 'text').execute();
  },
};

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0100_blobs': blobs,
  '0200_security': security,
  '0300_studies': studies,
  '0700_scale': scale,
  '0800_ops_request_id': taskRequestId,
  '0900_sites': sites,
  '1000_task_names': taskNames,
  '1100_hot_indexes': hotIndexes,
  '1200_current_attempt': currentAttempt,
};

class InCodeProvider implements MigrationProvider {
  async getMigrations() {
    return MIGRATIONS;
  }
}

/**
 * `schema` (PostgreSQL): where the migration tables live. Without it, Kysely looks for them in every schema of the
 * database, and a hub starting on a new schema beside another one would think they exist already.
 */
export async function migrate(db: Kysely<any>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeProvider(),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's migrator first lists the tables of every schema in the database; a schema dropped at that moment by
  // another program (another hub's tests, a tool) fails the listing with 3F000 before any migration ran. Try again.
  for (let retry = 0; retry < 3 && introspectionRace(error); retry++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const what = failed ? `migration ${failed.migrationName} failed` : 'migrations failed';
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const introspectionRace = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';

/** Migrations this code knows that the database has not run (readiness probe). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider() });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
