// Who may use a runner: everyone when it is shared (the default), else admins, its owners and its allowed users.
import type { RunnerAccess, RunnerAccessView } from '@simpul/protocol';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database, Db, RunnerRow, UserRow } from '../db/schema.ts';
import { badRequest } from '../errors.ts';
import { setRunnerShared } from '../store/runners.ts';
import { adminIds, usernamesOf, usersByName } from '../store/users.ts';

type User = Pick<UserRow, 'id' | 'role'>;

/** The user may see the runner and send it tasks. */
export async function canUseRunner(db: Db, user: User, runner: Pick<RunnerRow, 'id' | 'shared'>): Promise<boolean> {
  if (user.role === 'admin' || runner.shared === 1) return true;
  const row = await db
    .selectFrom('runner_access')
    .select('role')
    .where('runner_id', '=', runner.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  return row !== undefined;
}

/** The user may change who uses the runner, and revoke it. */
export async function canManageRunner(db: Db, user: User, runnerId: string): Promise<boolean> {
  if (user.role === 'admin') return true;
  const row = await db
    .selectFrom('runner_access')
    .select('role')
    .where('runner_id', '=', runnerId)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  return row?.role === 'owner';
}

/** The runners of `rows` this user may see (one query for all). */
export async function visibleRunners<R extends Pick<RunnerRow, 'id' | 'shared'>>(
  db: Db,
  user: User,
  rows: R[],
): Promise<R[]> {
  if (user.role === 'admin' || rows.every((r) => r.shared === 1)) return rows;
  const mine = await db.selectFrom('runner_access').select('runner_id').where('user_id', '=', user.id).execute();
  const allowed = new Set(mine.map((r) => r.runner_id));
  return rows.filter((r) => r.shared === 1 || allowed.has(r.id));
}

/**
 * The claim's condition for a runner that is not shared: it takes only tasks created by admins or by its owners and
 * allowed users (a shared runner takes any; a revoked one none: `store/runners.ts` claimStanding). Checked in the claim
 * itself, so that no path (push, long-poll, a request already waiting when access changed) can hand it other work.
 */
export function createdByItsUsers(eb: ExpressionBuilder<Database, 'tasks'>, runnerId: string): Expression<SqlBool> {
  return eb.or([
    eb(
      'tasks.created_by',
      'in',
      eb.selectFrom('runner_access as ra').select('ra.user_id').where('ra.runner_id', '=', runnerId),
    ),
    eb('tasks.created_by', 'in', adminIds()),
  ]);
}

export async function accessView(db: Db, runner: Pick<RunnerRow, 'id' | 'shared'>): Promise<RunnerAccessView> {
  const access = await db
    .selectFrom('runner_access')
    .select(['user_id', 'role'])
    .where('runner_id', '=', runner.id)
    .execute();
  const roles = new Map(access.map((a) => [a.user_id, a.role]));
  const users = access.length ? await usernamesOf(db, [...roles.keys()]) : [];
  const rows = users.map((u) => ({ username: u.username, role: roles.get(u.id) }));
  return {
    runner_id: runner.id,
    shared: runner.shared === 1,
    owners: rows.filter((r) => r.role === 'owner').map((r) => r.username),
    allowed_users: rows.filter((r) => r.role === 'user').map((r) => r.username),
  };
}

/** Replaces the runner's access in one transaction; every username must exist. */
export async function setAccess(db: Db, runnerId: string, access: RunnerAccess, now = Date.now()): Promise<void> {
  const names = [...new Set([...access.owners, ...access.allowed_users])];
  await db.transaction().execute(async (trx) => {
    const users = names.length ? await usersByName(trx, names) : [];
    const byName = new Map(users.map((u) => [u.username, u.id]));
    const missing = names.filter((n) => !byName.has(n));
    if (missing.length) throw badRequest(`no user ${missing.join(', ')}`);
    await setRunnerShared(trx, runnerId, access.shared);
    await trx.deleteFrom('runner_access').where('runner_id', '=', runnerId).execute();
    const owners = new Set(access.owners);
    const rows = names.map((n) => ({
      runner_id: runnerId,
      user_id: byName.get(n)!,
      role: owners.has(n) ? ('owner' as const) : ('user' as const),
      created_at: now,
    }));
    if (rows.length) await trx.insertInto('runner_access').values(rows).execute();
  });
}

/** Who, besides admins, may use each of these runners (user ids), for the `/web` rooms of runners that are not shared. */
export function accessOfRunners(db: Db, runnerIds: string[]) {
  return db.selectFrom('runner_access').select(['runner_id', 'user_id']).where('runner_id', 'in', runnerIds).execute();
}

/** Every row of the user's (their account is being deleted). */
export async function deleteAccessOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('runner_access').where('user_id', '=', userId).execute();
}
