// Runner access for users: the runner named in the path if this user may use it, and whether they may change it.
import { RunnerId } from '@simpul/protocol';
import { canManageRunner, canUseRunner } from '../../auth/runner-access.ts';
import type { RunnerRow } from '../../db/schema.ts';
import { forbidden, notFound } from '../../errors.ts';
import { getRunner } from '../../store/runners.ts';
import type { Ctx } from '../env.ts';
import { readParam } from '../parse.ts';
import { requireUser, type UserCaller } from './caller.ts';

/** The runner named in the path, if this user may see it (others' private runners are "not found", not "forbidden"). */
export async function visibleRunner(c: Ctx, user: UserCaller): Promise<RunnerRow> {
  const id = readParam(c, 'runner_id', RunnerId);
  const db = c.get('hub').db;
  const runner = await getRunner(db, id);
  if (!runner || !(await canUseRunner(db, user.user, runner))) throw notFound(`no runner ${id}`);
  return runner;
}

export async function managedRunner(c: Ctx): Promise<{ user: UserCaller; runner: RunnerRow }> {
  const user = await requireUser(c);
  const runner = await visibleRunner(c, user);
  if (!(await canManageRunner(c.get('hub').db, user.user, runner.id)))
    throw forbidden(`only admins and the owners of runner ${runner.id} may change it`);
  return { user, runner };
}
