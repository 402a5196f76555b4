// Opens the database named by the config (SQLite file or PostgreSQL), and runs the migrations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { migrate } from './migrations.ts';
import { namedStatements } from './named-statements.ts';
import { withStatementCache } from './statement-cache.ts';
import type { Database, Db } from './schema.ts';

export type DialectKind = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Db;
  kind: DialectKind;
  close(): Promise<void>;
}

const INT8_OID = 20;

/** Epoch-ms columns are BIGINT: parse them (and COUNT(*)) as numbers rather than pg's default strings. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function openDatabase(config: DatabaseConfig): Promise<DbHandle> {
  let db: Db;
  if (config.kind === 'sqlite') {
    mkdirSync(path.dirname(config.file), { recursive: true });
    const file = new SQLite(config.file);
    file.pragma('journal_mode = WAL');
    file.pragma('busy_timeout = 5000');
    file.pragma('foreign_keys = ON');
    // Statement journals (a savepoint's, a multi-row write's) in memory: on disk each spilled to a temporary file that
    // was created, written page by page and unlinked (a third of the hub's write calls in the single-creates bench).
    file.pragma('temp_store = MEMORY');
    file.pragma('synchronous = NORMAL'); // safe with WAL: a power loss may drop the last commits, never corrupt
    // The hot tables' pages stay in memory: a 32 MiB page cache (the default is 2 MiB), and reads through a memory map.
    file.pragma('cache_size = -32768');
    file.pragma('mmap_size = 268435456');
    // Checkpoint the WAL every ~40 MiB rather than every ~4 MiB: the hot pages (claim indexes, the newest tasks) are
    // written again and again, and each checkpoint copies them back (and syncs) once, not once per 4 MiB.
    file.pragma('wal_autocheckpoint = 10000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  } else {
    if (config.schema) await ensureSchema(config.url, config.schema);
    const pool = new pg.Pool({
      connectionString: config.url,
      max: 10,
      types: pgTypes,
      // No bitmap scans: they never mark the index entries of dead rows as dead, and the hot partial indexes (a task is
      // in the active ones only while leased or running) fill with them between vacuums. A load count or the reaper's
      // read then visited every task finished since the last vacuum (~2,000 entries a runner, 20 ms, mid-bench); a
      // plain index scan marks them once and skips them after (0.2 ms).
      options: ['-c enable_bitmapscan=off', ...(config.schema ? [`-c search_path=${config.schema}`] : [])].join(' '),
    });
    pool.on('connect', namedStatements); // parse and plan each query once per connection
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  try {
    await migrate(db, config.kind === 'postgres' ? (config.schema ?? 'public') : undefined);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, kind: config.kind, close: () => db.destroy() };
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/** For tests and tools: drop a PostgreSQL schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
