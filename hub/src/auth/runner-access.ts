// Who may use a runner: everyone when it is shared (the default), else admins, its owners and its allowed users.
import type { RunnerAccess, RunnerAccessView } from '@simpul/protocol';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db, RunnerRow, UserRow } from '../db/schema.ts';
import { badRequest } from '../errors.ts';

type User = Pick<UserRow, 'id' | 'role'>;

/** The user may see the runner and send it tasks. */
export async function canUseRunner(db: Db, user: User, runner: Pick<RunnerRow, 'id' | 'shared'>): Promise<boolean> {
  if (user.role === 'admin' || runner.shared === 1) return true;
  const row = await db.selectFrom('runner_access').select('role').where('runner_id', '=', runner.id).where('user_id', '=', user.id).executeTakeFirst();
  return row !== undefined;
}

/** The user may change who uses the runner, and revoke it. */
export async function canManageRunner(db: Db, user: User, runnerId: string): Promise<boolean> {
  if (user.role === 'admin') return true;
  const row = await db.selectFrom('runner_access').select('role').where('runner_id', '=', runnerId).where('user_id', '=', user.id).executeTakeFirst();
  return row?.role === 'owner';
}

/** The runners of `rows` this user may see (one query for all). */
export async function visibleRunners<R extends Pick<RunnerRow, 'id' | 'shared'>>(db: Db, user: User, rows: R[]): Promise<R[]> {
  if (user.role === 'admin' || rows.every((r) => r.shared === 1)) return rows;
  const mine = await db.selectFrom('runner_access').select('runner_id').where('user_id', '=', user.id).execute();
  const allowed = new Set(mine.map((r) => r.runner_id));
  return rows.filter((r) => r.shared === 1 || allowed.has(r.id));
}

/**
 * The claim's extra condition: the runner is not revoked, and a runner that is not shared takes only tasks created by
 * admins or by its owners and allowed users. Checked in the claim itself, so that no path (push, long-poll, a request
 * already waiting when the runner was revoked) can hand such a runner work.
 */
export function runnerMayClaim(eb: ExpressionBuilder<Database, 'tasks'>, runnerId: string): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('runners as r')
      .select(sql`1`.as('one'))
      .where('r.id', '=', runnerId)
      .where('r.revoked_at', 'is', null)
      .where((w) =>
        w.or([
          w('r.shared', '=', 1),
          w('tasks.created_by', 'in', w.selectFrom('runner_access as ra').select('ra.user_id').where('ra.runner_id', '=', runnerId)),
          w('tasks.created_by', 'in', w.selectFrom('users as u').select('u.id').where('u.role', '=', 'admin')),
        ]),
      ),
  );
}

export async function accessView(db: Db, runner: Pick<RunnerRow, 'id' | 'shared'>): Promise<RunnerAccessView> {
  const rows = await db
    .selectFrom('runner_access as ra')
    .innerJoin('users as u', 'u.id', 'ra.user_id')
    .select(['u.username', 'ra.role'])
    .where('ra.runner_id', '=', runner.id)
    .orderBy('u.username')
    .execute();
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
    const users = names.length ? await trx.selectFrom('users').select(['id', 'username']).where('username', 'in', names).execute() : [];
    const byName = new Map(users.map((u) => [u.username, u.id]));
    const missing = names.filter((n) => !byName.has(n));
    if (missing.length) throw badRequest(`no user ${missing.join(', ')}`);
    await trx.updateTable('runners').set({ shared: access.shared ? 1 : 0 }).where('id', '=', runnerId).execute();
    await trx.deleteFrom('runner_access').where('runner_id', '=', runnerId).execute();
    const owners = new Set(access.owners);
    const rows = names.map((n) => ({ runner_id: runnerId, user_id: byName.get(n)!, role: owners.has(n) ? ('owner' as const) : ('user' as const), created_at: now }));
    if (rows.length) await trx.insertInto('runner_access').values(rows).execute();
  });
}
