// Runner rows: enrolment, lookup by token, liveness and what they advertise.
import type { DatasetInfo } from '@simpul/protocol';
import { sql, SqliteAdapter } from 'kysely';
import type { Db, RunnerRow, RunnersTable } from '../db/schema.ts';
import { hashToken, newId, newToken, sameHash } from '../auth/tokens.ts';
import { toJson } from './json.ts';
import { recordSites, type SiteMode } from './sites.ts';

export interface NewRunner {
  name: string;
  labels?: string[];
  datasets?: DatasetInfo[];
  version?: string;
  protocolVersion: number;
  /** How its dataset names become sites (default auto: tests and tools that make runners directly). */
  siteApproval?: SiteMode;
  /** When set, the name must be free among runners that are not revoked: checked and taken atomically, else this is thrown. */
  nameTaken?: (other: Pick<RunnerRow, 'id' | 'name'>) => Error;
}

/** Creates a runner and returns it with its token (the only time the token exists in clear). */
export async function createRunner(db: Db, input: NewRunner, now = Date.now()): Promise<{ row: RunnerRow; token: string }> {
  const token = newToken('runner');
  const row: RunnerRow = {
    id: newId('rnr'),
    name: input.name,
    token_hash: hashToken(token),
    prev_token_hash: null,
    labels: toJson(input.labels ?? []),
    datasets: toJson(input.datasets ?? []),
    version: input.version ?? null,
    protocol_version: input.protocolVersion,
    last_seen: now,
    transport: null,
    draining: 0,
    created_at: now,
    revoked_at: null,
    prev_token_expires_at: null,
    shared: 1,
    enrollment_key_id: null,
  };
  await db.transaction().execute(async (trx) => {
    if (input.nameTaken) {
      // SQLite runs one transaction at a time; on PostgreSQL two enrolments with one name wait for each other here.
      if (!(trx.getExecutor().adapter instanceof SqliteAdapter)) await sql`SELECT pg_advisory_xact_lock(hashtext(${`runner-name:${input.name}`}))`.execute(trx);
      const other = await liveRunnerNamed(trx, input.name);
      if (other) throw input.nameTaken(other);
    }
    await trx.insertInto('runners').values(row).execute();
    await recordSites(trx, row.id, (input.datasets ?? []).map((d) => d.name), input.siteApproval ?? 'auto', now);
  });
  return { row, token };
}

/** The runner this token belongs to (current or previous token), or undefined. */
export async function findRunnerByToken(db: Db, token: string): Promise<RunnerRow | undefined> {
  const h = hashToken(token);
  const row = await db
    .selectFrom('runners')
    .selectAll()
    .where((eb) => eb.or([eb('token_hash', '=', h), eb('prev_token_hash', '=', h)]))
    .executeTakeFirst();
  if (!row) return undefined;
  // The previous token (after a rotation) works only until its overlap ends.
  const prevLive = row.prev_token_hash !== null && row.prev_token_expires_at !== null && row.prev_token_expires_at > Date.now();
  const ok = sameHash(row.token_hash, h) || (prevLive && sameHash(row.prev_token_hash!, h));
  return ok ? row : undefined;
}

export function getRunner(db: Db, id: string): Promise<RunnerRow | undefined> {
  return db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A runner, not revoked, that already goes by this name. */
export function liveRunnerNamed(db: Db, name: string): Promise<Pick<RunnerRow, 'id' | 'name'> | undefined> {
  return db.selectFrom('runners').select(['id', 'name']).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
}

export function listRunners(db: Db): Promise<RunnerRow[]> {
  return db.selectFrom('runners').selectAll().orderBy('created_at').orderBy('id').execute();
}

export interface Seen {
  transport?: 'websocket' | 'polling' | null;
  datasets?: DatasetInfo[];
  labels?: string[];
  version?: string;
  draining?: boolean;
}

/** Marks the runner alive now and records what it re-advertised. Returns the updated row. */
export async function touchRunner(db: Db, id: string, seen: Seen = {}, now = Date.now()): Promise<RunnerRow | undefined> {
  const set: Partial<RunnersTable> = { last_seen: now };
  if (seen.transport !== undefined) set.transport = seen.transport;
  if (seen.datasets) set.datasets = toJson(seen.datasets);
  if (seen.labels) set.labels = toJson(seen.labels);
  if (seen.version !== undefined) set.version = seen.version;
  if (seen.draining !== undefined) set.draining = seen.draining ? 1 : 0;
  return db.updateTable('runners').set(set).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function setTransport(db: Db, id: string, transport: 'websocket' | 'polling' | null): Promise<void> {
  await db.updateTable('runners').set({ transport }).where('id', '=', id).execute();
}

export async function revokeRunner(db: Db, id: string, now = Date.now()): Promise<void> {
  await db.updateTable('runners').set({ revoked_at: now }).where('id', '=', id).execute();
}
