// Study rows and their sub-task links: insert, read, list, and the guarded updates that move a study on exactly once.
import { ErrorInfo, StudyCreate, StudyState, type StudyListQuery, type StudyResult } from '@simpul/protocol';
import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Database, Db, RunnerRow, StudiesTable, StudyTasksTable } from '../db/schema.ts';
import { fromJson, toJson } from '../store/json.ts';
import { runnersByIds } from '../store/runners.ts';

export type StudyRow = Selectable<StudiesTable>;
export type StudyTaskRow = Selectable<StudyTasksTable>;

const Ids = z.array(z.string());

/** The parsed JSON columns of a study row; a row that no longer parses is reported, not guessed at. */
export interface StudyData {
  request: StudyCreate;
  state: StudyState;
  sites: string[];
  withheldBy: string[];
  error: ErrorInfo | null;
}

export function studyData(row: StudyRow): StudyData | undefined {
  const request = fromJson(row.request, StudyCreate.nullable(), null, {
    table: 'studies',
    id: row.id,
    column: 'request',
  });
  const state = fromJson(row.state, StudyState.nullable(), null, { table: 'studies', id: row.id, column: 'state' });
  if (!request || !state) return undefined;
  return {
    request,
    state,
    sites: fromJson(row.sites, Ids, [], { table: 'studies', id: row.id, column: 'sites' }),
    withheldBy: fromJson(row.withheld_by, Ids, [], { table: 'studies', id: row.id, column: 'withheld_by' }),
    error: fromJson(row.error, ErrorInfo.nullable(), null, { table: 'studies', id: row.id, column: 'error' }),
  };
}

export function getStudy(db: Db, id: string): Promise<StudyRow | undefined> {
  return db.selectFrom('studies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listStudies(db: Db, q: StudyListQuery, createdBy?: string): Promise<StudyRow[]> {
  let query = db.selectFrom('studies').selectAll();
  if (createdBy !== undefined) query = query.where('created_by', '=', createdBy);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.dataset) query = query.where('dataset', '=', q.dataset);
  if (q.before) {
    const before = Date.parse(q.before);
    if (!Number.isNaN(before)) query = query.where('created_at', '<', before);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
}

export function runningStudyIds(db: Db, limit = 1000): Promise<string[]> {
  return db
    .selectFrom('studies')
    .select('id')
    .where('status', '=', 'running')
    .orderBy('updated_at')
    .limit(limit)
    .execute()
    .then((r) => r.map((x) => x.id));
}

export function studyLinks(db: Db, studyId: string, round?: number): Promise<StudyTaskRow[]> {
  let q = db.selectFrom('study_tasks').selectAll().where('study_id', '=', studyId);
  if (round !== undefined) q = q.where('round', '=', round);
  return q.orderBy('round').orderBy('created_at').orderBy('runner_id').execute();
}

/** Runner rows by id (a study's sites). */
export async function runnerMap(db: Db, ids: string[]): Promise<Map<string, RunnerRow>> {
  if (ids.length === 0) return new Map();
  const rows = await runnersByIds(db, ids);
  return new Map(rows.map((r) => [r.id, r]));
}

/** The studies that own any of these tasks (most task events are not about studies: one indexed lookup). */
export async function studiesOfTasks(db: Db, taskIds: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (let i = 0; i < taskIds.length; i += 500) {
    const rows = await db
      .selectFrom('study_tasks')
      .select('study_id')
      .where('task_id', 'in', taskIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.study_id);
  }
  return [...out];
}

/** Marks a link with the study's own verdict (offline, abandoned, or failed: its partial was refused), once. */
export async function markLink(
  db: Db,
  taskId: string,
  outcome: 'offline' | 'abandoned' | 'failed',
  error: ErrorInfo,
): Promise<boolean> {
  const res = await db
    .updateTable('study_tasks')
    .set({ outcome, error: toJson(error) })
    .where('task_id', '=', taskId)
    .where('outcome', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Moves a running study from `fromRound` to a new round. Guarded on (status, round), so that of two hubs (or two
 * triggers) deciding the same round, one wins and the other's transaction changes nothing. `trx` is a transaction.
 */
export async function moveToRound(
  trx: Db,
  id: string,
  fromRound: number,
  state: StudyState,
  now: number,
): Promise<boolean> {
  const res = await trx
    .updateTable('studies')
    .set({ round: state.round, state: toJson(state), updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('round', '=', fromRound)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export type StudyEnd =
  | { status: 'succeeded'; result: StudyResult; withheldBy: string[] }
  | { status: 'failed' | 'canceled'; error: ErrorInfo };

/** Ends a running study (guarded on its round when given); false when it had already moved on or ended. */
export async function endStudy(db: Db, id: string, end: StudyEnd, now: number, round?: number): Promise<boolean> {
  let q = db
    .updateTable('studies')
    .set(
      end.status === 'succeeded'
        ? {
            status: 'succeeded',
            result: toJson(end.result),
            withheld_by: toJson(end.withheldBy),
            updated_at: now,
            finished_at: now,
          }
        : { status: end.status, error: toJson(end.error), updated_at: now, finished_at: now },
    )
    .where('id', '=', id)
    .where('status', '=', 'running');
  if (round !== undefined) q = q.where('round', '=', round);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** For task lists: the task is a round of a study (of `studyId`, when given). */
export function isStudyRound(eb: ExpressionBuilder<Database, 'tasks'>, studyId?: string): Expression<SqlBool> {
  let rounds = eb.selectFrom('study_tasks').select(sql`1`.as('one')).whereRef('study_tasks.task_id', '=', 'tasks.id');
  if (studyId !== undefined) rounds = rounds.where('study_tasks.study_id', '=', studyId);
  return eb.exists(rounds);
}
