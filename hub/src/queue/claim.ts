// THE claim: one atomic statement that leases queued tasks to a runner; used by socket push and HTTP polling alike.
import { sql, type Kysely } from 'kysely';
import type { TaskOffer } from '@simpul/protocol';
import type { HubContext } from '../context.ts';
import type { Database, TaskRow } from '../db/schema.ts';
import { createdByItsUsers } from '../auth/runner-access.ts';
import { newSortableId } from '../auth/tokens.ts';
import { prepared } from '../db/prepared.ts';
import { iso } from '../store/json.ts';
import { claimStanding } from '../store/sites.ts';
import { taskParams } from '../store/views.ts';
import { leaseExpiry } from './lease-time.ts';
import type { WorkHint } from './notifier.ts';
import { padded, QUEUED_SQL } from './tasks.ts';

export interface Claimant {
  id: string;
  datasets: string[]; // names the runner advertises
  draining?: boolean;
}

/** What an offer is made of (a lease returns only these: returning whole rows costs more than the update). */
const OFFERED = [
  'id',
  'op',
  'params',
  'attempt',
  'lease_token',
  'lease_expires_at',
  'timeout_s',
  'request_id',
  'created_by',
  'created_at',
  'available_at',
] as const;
export type OfferedRow = Pick<TaskRow, (typeof OFFERED)[number]>;

export function toOffer(row: OfferedRow): TaskOffer {
  return {
    task_id: row.id,
    op: row.op as TaskOffer['op'],
    params: taskParams(row),
    attempt: row.attempt,
    lease_token: row.lease_token ?? '',
    lease_expires_at: iso(row.lease_expires_at ?? 0),
    timeout_s: row.timeout_s,
    request_id: row.request_id ?? `${row.id}.${row.attempt}`, // the creating request's id; else one per attempt
    ...(row.created_by ? { requested_by: row.created_by } : {}), // the analyst: runners keep row budgets per analyst
  };
}

/** A pick, built once: queued, due, for this runner (targeted at it, or untargeted work of the given names), oldest
 * first; for a runner that is not shared, only its users' tasks. */
function pickBuilder(
  db: Kysely<Database>,
  branch: 'target' | 'dataset',
  shared: boolean,
  runnerId: string,
  datasets: string[],
  now: number,
  limit: number,
) {
  return db
    .selectFrom('tasks')
    .select(['id', 'created_at', 'target_runner_id'])
    .where(QUEUED_SQL)
    .where((eb) =>
      branch === 'target'
        ? eb.and([eb('target_runner_id', 'is not', null), eb('target_runner_id', '=', runnerId)])
        : eb.and([eb('target_runner_id', 'is', null), eb('dataset', 'in', datasets)]),
    )
    .where('available_at', '<=', now)
    .$if(!shared, (w) => w.where((eb) => createdByItsUsers(eb, runnerId)))
    .orderBy('created_at')
    .orderBy('id')
    .limit(sql.lit(limit));
}

/** At most this many rows a read asks for beyond its limit, to read past what earlier runners of the claim read. */
const SKIP_MAX = 64;

/**
 * A pick's LIMIT is written into its SQL, not bound: SQLite's planner reads a bound LIMIT, so binding one makes it
 * compile the statement again at every run (8 µs of a 9 µs pick). The limit is rounded up to a power of two (a handful
 * of statements) and the picks are cut to the exact limit after the read.
 */
function byLimit<F>(make: (limit: number) => F): (limit: number) => F {
  const made = new Map<number, F>();
  return (limit) => {
    let l = 1;
    while (l < limit) l *= 2;
    let f = made.get(l);
    if (!f) made.set(l, (f = make(l)));
    return f;
  };
}

function pickQuery(branch: 'target' | 'dataset', lock: boolean, shared: boolean) {
  return byLimit((limit) =>
    prepared((db: Kysely<Database>, runnerId: string, datasets: string[], now: number) => {
      const q = pickBuilder(db, branch, shared, runnerId, datasets, now, limit);
      return lock ? q.forUpdate().skipLocked() : q;
    }),
  );
}

/** Both picks in one statement, when no rows are locked (SQLite, and the first read on PostgreSQL). */
function pickBoth(shared: boolean) {
  return byLimit((limit) =>
    prepared((db: Kysely<Database>, runnerId: string, datasets: string[], now: number) =>
      db
        .selectFrom(pickBuilder(db, 'target', shared, runnerId, datasets, now, limit).as('t'))
        .selectAll()
        .unionAll(
          db.selectFrom(pickBuilder(db, 'dataset', shared, runnerId, datasets, now, limit).as('d')).selectAll(),
        ),
    ),
  );
}
const PICK_BOTH = [pickBoth(false), pickBoth(true)];
/** PICK[branch][lock][shared] */
const PICK = Object.fromEntries(
  (['target', 'dataset'] as const).map((b) => [
    b,
    [false, true].map((lock) => [false, true].map((shared) => pickQuery(b, lock, shared))),
  ]),
) as Record<'target' | 'dataset', ReturnType<typeof pickQuery>[][]>;

/**
 * What decides which tasks a runner may take, read once per claim: none when it is revoked; whether it is shared; and
 * the names it advertises where it is an approved site (untargeted work goes only to those).
 */
async function standing(db: Kysely<Database>, runner: Claimant): Promise<{ shared: boolean; names: string[] } | null> {
  const rows = (await claimStanding(db, runner.id)).rows;
  if (rows.length === 0) return null;
  const unapproved = new Set(rows.map((r) => r.unapproved));
  return { shared: rows[0].shared === 1, names: runner.datasets.filter((d) => !unapproved.has(d)) };
}

type Standing = NonNullable<Awaited<ReturnType<typeof standing>>>;

export interface Want {
  runner: Claimant;
  limit: number;
  /** Asked only because of this new work: skipped when earlier runners of the claim found all of it it could take. */
  onlyFor?: WorkHint;
}

/**
 * Leases up to `limit` tasks that are queued, due (available_at <= now) and meant for this runner: targeted at it, or
 * untargeted for a dataset it advertises. Oldest first. Each gets attempt+1 and a fresh lease token.
 */
export async function claim(ctx: ClaimCtx, runner: Claimant, limit: number, now = Date.now()): Promise<TaskOffer[]> {
  return (await claimFor(ctx, [{ runner, limit }], now))[0];
}

type ClaimCtx = Pick<HubContext, 'db' | 'kind' | 'config' | 'events' | 'metrics'>;

/**
 * Claims for several runners in one transaction (the dispatcher serves every runner whose slots freed in one go):
 * one commit for all of them. The offers of each runner, in the order asked. `drained` receives the dataset names whose
 * due untargeted work a shared runner's read found all of (the dispatcher's backlog forgets them).
 */
export async function claimFor(
  ctx: ClaimCtx,
  wants: Want[],
  now = Date.now(),
  drained?: Set<string>,
): Promise<TaskOffer[][]> {
  const { offers, announce } = await claimIn(ctx, wants, now, undefined, drained);
  announce();
  return offers;
}

/**
 * The claim inside a write transaction the caller holds (the create group's, on SQLite): the offers, valid once that
 * transaction commits, and what to announce then (metrics, live updates).
 */
export function claimWithin(ctx: ClaimCtx, trx: Kysely<Database>, wants: Want[], now: number) {
  return claimIn(ctx, wants, now, trx);
}

async function claimIn(
  ctx: ClaimCtx,
  wants: Want[],
  now: number,
  within?: Kysely<Database>,
  drained = new Set<string>(),
): Promise<{ offers: TaskOffer[][]; announce: () => void }> {
  const { kind, config } = ctx;
  const db = within ?? ctx.db;
  const out: TaskOffer[][] = wants.map(() => []);
  const nothing = { offers: out, announce: () => {} };

  // Two picks, each walking its index in created_at order and stopping after `limit` rows: tasks addressed to this
  // runner, and untargeted tasks of its datasets. The oldest of both are leased. PostgreSQL: concurrent claimers skip
  // each other's rows instead of waiting or double-leasing. SQLite: writers are serialised by the database lock, and the
  // lease update leases only tasks that are still queued.
  // Names whose due untargeted work one shared runner's read found all of (fewer than it asked for, and it took every
  // one): the later runners of this claim do not read them again (a round for 50 runners of one name after one create).
  // `skip`: the ids earlier runners of this claim read. The read asks for that many more rows (up to SKIP_MAX) and
  // leaves them out, so that the runners of one round read different tasks rather than each picking again under the
  // lock; `short`: it came up short because of them, and the rest is picked under the lock.
  const picks = async (
    trx: Kysely<Database>,
    runner: Claimant,
    may: Standing,
    limit: number,
    lock: boolean,
    skip?: ReadonlySet<string>,
  ) => {
    const locked = Number(lock && kind === 'postgres');
    const shared = Number(may.shared);
    const names = lock ? may.names : may.names.filter((n) => !drained.has(n));
    const ask = limit + Math.min(skip?.size ?? 0, SKIP_MAX);
    const read =
      names.length === 0
        ? (await PICK.target[locked][shared](ask)(trx, runner.id, [], now)).rows
        : kind === 'sqlite' || !lock
          ? (await PICK_BOTH[shared](ask)(trx, runner.id, padded(names), now)).rows
          : [
              ...(await PICK.target[locked][shared](ask)(trx, runner.id, [], now)).rows,
              ...(await PICK.dataset[locked][shared](ask)(trx, runner.id, padded(names), now)).rows,
            ];
    const rows = skip?.size ? read.filter((r) => !skip.has(r.id)) : read;
    const ids = rows
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((p) => p.id);
    const dataset = read.filter((r) => r.target_runner_id === null).length;
    if (!lock && may.shared && dataset < ask && rows.length <= limit) for (const n of names) drained.add(n);
    // Short: it left some out, and its read may have stopped before the rest (a read of fewer rows read all there is).
    return { ids, short: ids.length < limit && rows.length < read.length && read.length >= ask };
  };

  // Most claims find nothing (an idle runner asking, a dispatch round for a slot that freed): a plain read says so
  // without taking the write lock (SQLite) or opening a transaction.
  const asking: { i: number; may: Standing; picked: string[]; short: boolean }[] = [];
  const readBefore = new Set<string>(); // what the runners before read
  for (const [i, w] of wants.entries()) {
    if (w.runner.draining || w.limit < 1) continue;
    const only = w.onlyFor;
    if (
      only &&
      !only.runners.includes(w.runner.id) &&
      !w.runner.datasets.some((d) => only.datasets.includes(d) && !drained.has(d))
    )
      continue;
    const may = await standing(db, w.runner);
    if (!may) continue;
    const { ids, short } = await picks(db, w.runner, may, w.limit, false, readBefore);
    for (const id of ids) readBefore.add(id);
    if (ids.length > 0 || short) asking.push({ i, may, picked: ids, short });
  }
  if (asking.length === 0) return nothing;

  const leaseUntil = leaseExpiry(config, now);
  const leaseAll = async (trx: Kysely<Database>) => {
    const all: OfferedRow[][] = [];
    const taken = new Set<string>();
    for (const { i, may, picked: before, short } of asking) {
      const { runner, limit } = wants[i];
      // The lease is conditional on the task still being queued (SQLite: the write lock is held from here; PostgreSQL:
      // the lease locks its rows, skipping those another hub holds), so the ids read before stand unless an earlier
      // runner of this transaction took one of them.
      const picked = !before.some((id) => taken.has(id)) ? before : (await picks(trx, runner, may, limit, true)).ids;
      let rows = picked.length > 0 ? await lease(trx, kind, runner, picked, now, leaseUntil) : [];
      if (rows.length < (short ? limit : picked.length)) {
        // Another writer took some of them between the read and the lock, or the read left out more than it could
        // read past: pick the rest again, under the lock.
        const more = (await picks(trx, runner, may, limit - rows.length, true)).ids;
        if (more.length > 0) rows = [...rows, ...(await lease(trx, kind, runner, more, now, leaseUntil))];
      }
      for (const r of rows) taken.add(r.id);
      all.push(rows);
    }
    return all;
  };
  const leasedBy = within ? await leaseAll(within) : await db.transaction().execute(leaseAll);

  const runners: string[] = [];
  const tasks: string[] = [];
  asking.forEach(({ i }, k) => {
    const rows = leasedBy[k];
    if (rows.length === 0) return;
    rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
    runners.push(wants[i].runner.id);
    tasks.push(...rows.map((r) => r.id));
    out[i] = rows.map(toOffer);
  });
  const announce = () => {
    for (const rows of leasedBy) if (rows.length > 0) ctx.metrics?.claimed(rows, now);
    if (tasks.length > 0) {
      ctx.events.tasks(tasks);
      ctx.events.runners(runners);
    }
  };
  return { offers: out, announce };
}

/**
 * The lease of picked tasks, only those still queued. PostgreSQL: the rows are locked in the same statement, skipping
 * any another hub is leasing right now (never waiting for it: two hubs leasing overlapping tasks in different orders
 * would deadlock).
 */
function leaseQuery(skipLocked: boolean) {
  return prepared(
    (db: Kysely<Database>, runnerId: string, tokenPrefix: string, leaseUntil: number, now: number, ids: string[]) =>
      db
        .updateTable('tasks')
        .set({
          status: 'leased',
          runner_id: runnerId,
          attempt: sql<number>`attempt + 1`,
          lease_token: sql<string>`${tokenPrefix} || id`,
          lease_expires_at: leaseUntil,
          deadline_at: sql<number>`cast(${now} as bigint) + timeout_s * 1000`,
          leased_at: now,
          progress: null,
          progress_message: null,
          updated_at: now,
        })
        .where((eb) =>
          skipLocked
            ? eb(
                'id',
                'in',
                eb.selectFrom('tasks').select('id').where('id', 'in', ids).where(QUEUED_SQL).forUpdate().skipLocked(),
              )
            : eb('id', 'in', ids),
        )
        .where(QUEUED_SQL) // read before the write lock was taken (SQLite): lease only what is still queued
        .returning(OFFERED),
  );
}
const LEASE = { sqlite: leaseQuery(false), postgres: leaseQuery(true) };

/** Leases the picked tasks to the runner, each with a fresh lease token (the attempt is the task row's: attempts.ts). */
async function lease(
  trx: Kysely<Database>,
  kind: ClaimCtx['kind'],
  runner: Claimant,
  picked: string[],
  now: number,
  leaseUntil: number,
): Promise<OfferedRow[]> {
  // One random part per claim; appending the task id keeps every lease token unique.
  const tokenPrefix = `${newSortableId('lease', 18, now)}.`;
  return (await LEASE[kind](trx, runner.id, tokenPrefix, leaseUntil, now, padded(picked))).rows;
}
