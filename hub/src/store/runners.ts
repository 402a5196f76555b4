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
export async function createRunner(
  db: Db,
  input: NewRunner,
  now = Date.now(),
): Promise<{ row: RunnerRow; token: string }> {
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
      if (!(trx.getExecutor().adapter instanceof SqliteAdapter))
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`runner-name:${input.name}`}))`.execute(trx);
      const other = await liveRunnerNamed(trx, input.name);
      if (other) throw input.nameTaken(other);
    }
    await trx.insertInto('runners').values(row).execute();
    await recordSites(
      trx,
      row.id,
      (input.datasets ?? []).map((d) => d.name),
      input.siteApproval ?? 'auto',
      now,
    );
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
  const prevLive =
    row.prev_token_hash !== null && row.prev_token_expires_at !== null && row.prev_token_expires_at > Date.now();
  const ok = sameHash(row.token_hash, h) || (prevLive && sameHash(row.prev_token_hash!, h));
  return ok ? row : undefined;
}

export function getRunner(db: Db, id: string): Promise<RunnerRow | undefined> {
  return db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A runner, not revoked, that already goes by this name. */
export function liveRunnerNamed(db: Db, name: string): Promise<Pick<RunnerRow, 'id' | 'name'> | undefined> {
  return db
    .selectFrom('runners')
    .select(['id', 'name'])
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
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
export async function touchRunner(
  db: Db,
  id: string,
  seen: Seen = {},
  now = Date.now(),
): Promise<RunnerRow | undefined> {
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

// ---- For the other folders: every query on `runners` outside this file's functions above (ARCHITECTURE.md, "Table owners").

/** Rows by id (absent ids are simply missing). */
export function runnersByIds(db: Db, ids: string[]): Promise<RunnerRow[]> {
  return db.selectFrom('runners').selectAll().where('id', 'in', ids).execute();
}

/** Id and revocation of the given runners (enqueue's check of targeted runners, in its transaction). */
export function runnerRevocations(db: Db, ids: string[]) {
  return db.selectFrom('runners').select(['id', 'revoked_at']).where('id', 'in', ids).execute();
}

/** Id and sharing of the given runners (the access check of POST /tasks). */
export function runnerSharing(db: Db, ids: string[]) {
  return db.selectFrom('runners').select(['id', 'shared']).where('id', 'in', ids).execute();
}

/** Every runner that is not revoked, by name then id. */
export function liveRunners(db: Db): Promise<RunnerRow[]> {
  return db.selectFrom('runners').selectAll().where('revoked_at', 'is', null).orderBy('name').orderBy('id').execute();
}

/** Id, sharing and datasets of the runners not revoked; with `nameLike`, only those whose datasets text contains it. */
export function liveRunnerDatasets(db: Db, nameLike?: string) {
  let q = db.selectFrom('runners').select(['id', 'shared', 'datasets']).where('revoked_at', 'is', null);
  if (nameLike !== undefined) q = q.where('datasets', 'like', nameLike);
  return q.execute();
}

/**
 * Runners whose last_seen fell out of its window during (from, to]: those whose heartbeats stopped in that span.
 * `windowMs(transport)`: how old last_seen may be (longer for a runner on a socket, see store/views.ts seenWindowMs).
 */
export function runnersLastSeenBetween(
  db: Db,
  from: number,
  to: number,
  windowMs: (transport: RunnerRow['transport']) => number,
) {
  const ws = windowMs('websocket');
  const other = windowMs(null);
  return db
    .selectFrom('runners')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('transport', '=', 'websocket'), eb('last_seen', '<=', to - ws), eb('last_seen', '>', from - ws)]),
        eb.and([
          eb.or([eb('transport', 'is', null), eb('transport', '!=', 'websocket')]),
          eb('last_seen', '<=', to - other),
          eb('last_seen', '>', from - other),
        ]),
      ]),
    )
    .execute();
}

/** Online runners (not revoked, last_seen within `windowMs(transport)` of `now`) counted by transport. */
export function onlineRunnersByTransport(db: Db, now: number, windowMs: (transport: RunnerRow['transport']) => number) {
  return db
    .selectFrom('runners')
    .select((eb) => ['transport', eb.fn.countAll<number>().as('n')])
    .where('revoked_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('transport', '=', 'websocket'), eb('last_seen', '>', now - windowMs('websocket'))]),
        eb.and([eb('transport', '=', 'polling'), eb('last_seen', '>', now - windowMs('polling'))]),
      ]),
    )
    .groupBy('transport')
    .execute();
}

/** How many runners registered with each enrolment key. */
export function runnersPerEnrollmentKey(db: Db) {
  return db
    .selectFrom('runners')
    .select((eb) => ['enrollment_key_id', eb.fn.countAll<number>().as('n')])
    .where('enrollment_key_id', 'is not', null)
    .groupBy('enrollment_key_id')
    .execute();
}

export async function setRunnerEnrollmentKey(db: Db, runnerId: string, keyId: string): Promise<void> {
  await db.updateTable('runners').set({ enrollment_key_id: keyId }).where('id', '=', runnerId).execute();
}

export async function setRunnerShared(db: Db, runnerId: string, shared: boolean): Promise<void> {
  await db
    .updateTable('runners')
    .set({ shared: shared ? 1 : 0 })
    .where('id', '=', runnerId)
    .execute();
}

export async function touchRunners(db: Db, ids: string[], seenAt: number): Promise<void> {
  await db.updateTable('runners').set({ last_seen: seenAt }).where('id', 'in', ids).execute();
}

/** The new token becomes current and the current one the previous (until `prevUntil`), unless a concurrent rotation won. */
export async function replaceRunnerToken(
  db: Db,
  runner: Pick<RunnerRow, 'id' | 'token_hash'>,
  tokenHash: string,
  prevUntil: number,
): Promise<void> {
  await db
    .updateTable('runners')
    .set({ token_hash: tokenHash, prev_token_hash: runner.token_hash, prev_token_expires_at: prevUntil })
    .where('id', '=', runner.id)
    .where('token_hash', '=', runner.token_hash) // a concurrent rotation wins once
    .execute();
}

export async function runnerTokenHash(db: Db, runnerId: string): Promise<string | undefined> {
  return (await db.selectFrom('runners').select('token_hash').where('id', '=', runnerId).executeTakeFirst())
    ?.token_hash;
}

/** Revokes the row (its tokens stop working now); false when it was already revoked or does not exist. */
export async function markRunnerRevoked(db: Db, runnerId: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('runners')
    .set({ revoked_at: now, prev_token_expires_at: now })
    .where('id', '=', runnerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
