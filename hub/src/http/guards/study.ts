// Study access: which study a user may see.
import { StudyId } from '@simpul/protocol';
import { notFound } from '../../errors.ts';
import { getStudy, type StudyRow } from '../../studies/store.ts';
import type { Ctx } from '../env.ts';
import { readParam } from '../parse.ts';
import { isAdmin, type UserCaller } from './caller.ts';

/** Another analyst's study is "not found", as for tasks. */
export async function visibleStudy(c: Ctx, user: UserCaller): Promise<StudyRow> {
  const id = readParam(c, 'study_id', StudyId);
  const row = await getStudy(c.get('hub').db, id);
  if (!row || (!isAdmin(user) && row.created_by !== user.user.id)) throw notFound(`no study ${id}`);
  return row;
}
