// Task rows: create (single or batch, one transaction), read, list, attempts.
import { prepared, preparedInsert } from '../db/prepared.ts';
import { describeTask, type TaskCreate, type TaskListQuery } from '@simpul/protocol';
import { sql, type SqlBool } from 'kysely';
import type { Db, TaskRow } from '../db/schema.ts';
import { isStudyRound } from '../studies/store.ts';
import { newTaskId } from '../auth/tokens.ts';
import { toJson } from '../store/json.ts';

export const ACTIVE_STATES = ['leased', 'running'] as const;

// The task indexes the hot paths use are partial (migration 1100_hot_indexes): queued tasks by target or dataset, active
// ones by runner and by lease expiry. A planner uses a partial index only when the query's condition proves the index's,
// and a bound parameter proves nothing: these conditions are written into the SQL, exactly as the indexes say them.
const activeList = sql.raw(ACTIVE_STATES.map((s) => `'${s}'`).join(', '));
/** `status in ('leased', 'running')`, written into the SQL. */
export const ACTIVE_SQL = sql<SqlBool>`${sql.ref('tasks.status')} in (${activeList})`;
/** `status = 'queued'`, written into the SQL. */
export const QUEUED_SQL = sql<SqlBool>`${sql.ref('tasks.status')} = 'queued'`;

export interface TaskDefaults {
  timeoutS: number;
  maxAttempts: number;
}

/** Rows for new tasks; the caller inserts them (inside its transaction). */
/** `requestId`: the x-request-id of the creating request, handed to runners with each offer (log correlation). */
export function newTaskRows(
  inputs: TaskCreate[],
  createdBy: string | null,
  defaults: TaskDefaults,
  now = Date.now(),
  requestId: string | null = null,
): TaskRow[] {
  return inputs.map((t) => ({
    id: newTaskId(now),
    op: t.op,
    params: toJson(t.params),
    name: t.name ?? null,
    description: describeTask(t.op, t.params),
    dataset: t.params.dataset,
    target_runner_id: t.runner_id ?? null,
    runner_id: null,
    status: 'queued',
    attempt: 0,
    max_attempts: t.max_attempts ?? defaults.maxAttempts,
    timeout_s: t.timeout_s ?? defaults.timeoutS,
    lease_token: null,
    lease_expires_at: null,
    available_at: now,
    progress: null,
    progress_message: null,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    deadline_at: null,
    leased_at: null,
    error: null,
    result: null,
    result_hash: null,
    result_blob: null,
    result_expires_at: null,
    cancel_requested: 0,
    request_id: requestId,
  }));
}

const TASK_COLUMNS = [
  'id',
  'op',
  'params',
  'name',
  'description',
  'dataset',
  'target_runner_id',
  'runner_id',
  'status',
  'attempt',
  'max_attempts',
  'timeout_s',
  'lease_token',
  'lease_expires_at',
  'available_at',
  'progress',
  'progress_message',
  'created_by',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'deadline_at',
  'leased_at',
  'error',
  'result',
  'result_hash',
  'result_blob',
  'result_expires_at',
  'cancel_requested',
  'request_id',
] as const satisfies readonly (keyof TaskRow)[];
// Every column of a task row, so that a column added to TaskRow and not here fails to compile.
type Missing = Exclude<keyof TaskRow, (typeof TASK_COLUMNS)[number]>;
const allColumns: [Missing] extends [never] ? true : Missing = true;
void allColumns;

/** Inserts new task rows, 200 per statement (SQLite caps the number of bound parameters per statement). */
export const insertTasks: (db: Db, rows: TaskRow[]) => Promise<void> = preparedInsert('tasks', TASK_COLUMNS);

export function getTask(db: Db, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getTasks(db: Db, ids: string[]): Promise<TaskRow[]> {
  const out: TaskRow[] = [];
  for (let i = 0; i < ids.length; i += 512) out.push(...(await tasksById(db, padded(ids.slice(i, i + 512)))).rows);
  return out;
}

const tasksById = prepared((db: Db, ids: string[]) => db.selectFrom('tasks').selectAll().where('id', 'in', ids));

/**
 * The list lengthened to the next power of two by repeating its last item (an IN list means the same): a prepared
 * query is compiled once per list length, so lists of any length share a few plans.
 */
export function padded<T>(items: T[]): T[] {
  if (items.length === 0) return items;
  let n = 1;
  while (n < items.length) n *= 2;
  return n === items.length ? items : [...items, ...Array<T>(n - items.length).fill(items[items.length - 1])];
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (with `escape '\'`). */
const likeEscaped = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Tasks that match a user's list query, newest first; `createdBy` keeps a non-admin to their own. */
export function listTasks(db: Db, q: TaskListQuery, createdBy?: string): Promise<TaskRow[]> {
  let query = db.selectFrom('tasks').selectAll();
  if (createdBy !== undefined) query = query.where('created_by', '=', createdBy);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.op) query = query.where('op', '=', q.op);
  if (q.runner_id)
    query = query.where((eb) => eb.or([eb('runner_id', '=', q.runner_id!), eb('target_runner_id', '=', q.runner_id!)]));
  if (q.dataset) query = query.where('dataset', '=', q.dataset);
  if (q.study_id) query = query.where((eb) => isStudyRound(eb, q.study_id));
  if (q.rounds === 'exclude') query = query.where((eb) => eb.not(isStudyRound(eb)));
  for (const word of (q.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
    const pattern = `%${likeEscaped(word)}%`;
    query = query.where(
      sql<boolean>`(lower(coalesce(tasks.name, '')) like ${pattern} escape '\\' or lower(tasks.description) like ${pattern} escape '\\' or lower(tasks.id) like ${pattern} escape '\\')`,
    );
  }
  if (q.before) {
    const before = Date.parse(q.before);
    if (!Number.isNaN(before)) query = query.where('created_at', '<', before);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
}

/** Leased or running tasks per runner. */
export async function activeCounts(db: Db, runnerIds?: string[]): Promise<Map<string, number>> {
  if (runnerIds && runnerIds.length === 0) return new Map();
  const rows = runnerIds
    ? (await ACTIVE_OF(db, padded(runnerIds))).rows
    : await db
        .selectFrom('tasks')
        .select((eb) => ['runner_id', eb.fn.countAll<number>().as('n')])
        .where(ACTIVE_SQL)
        .groupBy('runner_id')
        .execute();
  return new Map(rows.filter((r) => r.runner_id !== null).map((r) => [r.runner_id as string, Number(r.n)]));
}

/** Active tasks per runner of these (the dispatcher asks for a round's candidates). */
const ACTIVE_OF = prepared((db: Db, runnerIds: string[]) =>
  db
    .selectFrom('tasks')
    .select((eb) => ['runner_id', eb.fn.countAll<number>().as('n')])
    .where(ACTIVE_SQL)
    .where('runner_id', 'in', runnerIds)
    .groupBy('runner_id'),
);

/** Tasks counted by state (the metrics' gauge). */
export function tasksByState(db: Db) {
  return db
    .selectFrom('tasks')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
}

/** Whom queued work that is due is for: its target runners, and the datasets of untargeted tasks (up to 1000 of each). */
export async function dueWork(db: Db, now: number): Promise<{ targets: Set<string>; datasets: Set<string> }> {
  const [targets, datasets] = await Promise.all([
    distinctDue(db, 'target_runner_id', sql`target_runner_id is not null`, now),
    distinctDue(db, 'dataset', sql`target_runner_id is null`, now),
  ]);
  return { targets: new Set(targets), datasets: new Set(datasets) };
}

/**
 * The distinct values of a claim index's first column among due queued tasks, found by jumping from one value to the
 * next in the index (a recursive query, one index seek per value) rather than by reading every queued task: a queue of
 * 100,000 tasks for three datasets costs three seeks.
 */
async function distinctDue(
  db: Db,
  column: 'target_runner_id' | 'dataset',
  which: ReturnType<typeof sql>,
  now: number,
): Promise<string[]> {
  const col = sql.ref(column);
  const { rows } = await sql<{ v: string }>`
    with recursive d(v) as (
      select (select min(${col}) from tasks where status = 'queued' and ${which} and available_at <= ${now})
      union all
      select (select min(${col}) from tasks where status = 'queued' and ${which} and available_at <= ${now} and ${col} > d.v)
      from d where d.v is not null
    )
    select v from d where v is not null limit 1000`.execute(db);
  return rows.map((r) => r.v);
}
