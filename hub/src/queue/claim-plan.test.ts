// The claim's statements on SQLite use the partial indexes of migration 1100_hot_indexes: a condition written with a
// bound parameter instead of the index's literal would silently fall back to scanning every task.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import SQLite from 'better-sqlite3';
import { sql, type CompiledQuery } from 'kysely';
import { addRunner, addUser, fetchTask, openTestDb } from '../testing/support.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { activeCounts, dueWork } from './tasks.ts';

test('picks, active counts and due work search the partial indexes; none scans the tasks table', async () => {
  const t = await openTestDb('sqlite');
  try {
    const { row } = await addRunner(t.ctx, 'plan-runner', ['plans']);
    const admin = await addUser(t.ctx, 'plan-admin', 'admin');
    await enqueue(t.ctx, [fetchTask('plans'), fetchTask('plans')], admin.id);
    const seen: CompiledQuery[] = [];
    const executor = t.ctx.db.getExecutor() as unknown as { executeQuery: (q: CompiledQuery) => Promise<unknown> };
    const run = executor.executeQuery.bind(executor);
    executor.executeQuery = (q) => (seen.push(q), run(q));
    assert.is((await claim(t.ctx, { id: row.id, datasets: ['plans'] }, 1)).length, 1);
    await activeCounts(t.ctx.db, [row.id]);
    await dueWork(t.ctx.db, Date.now());
    const file = t.ctx.config.database.kind === 'sqlite' ? t.ctx.config.database.file : '';
    const raw = new SQLite(file, { readonly: true });
    const plans = seen
      .filter((q) => /from "?tasks"? /.test(q.sql) && !/^(update|insert)/.test(q.sql))
      .map((q) => ({
        sql: q.sql,
        plan: raw
          .prepare(`explain query plan ${q.sql}`)
          .all(...(q.parameters as unknown[]))
          .map((r) => (r as { detail: string }).detail)
          .join(' | '),
      }));
    raw.close();
    const all = plans.map((p) => p.plan).join('\n');
    for (const index of ['tasks_queued_target', 'tasks_queued_dataset', 'tasks_active_runner'])
      assert.ok(all.includes(index), `${index} used:\n${all}`);
    for (const p of plans)
      assert.not.match(p.plan, /SCAN tasks(?! USING)/, `a full scan of tasks: ${p.sql}\n${p.plan}`);
    // With the state as a bound parameter, SQLite may still find the index by planning again whenever it is bound to a
    // new value, and PostgreSQL's generic plans cannot: the states must be written into the text.
    for (const p of plans) {
      assert.not.match(p.sql, /status"? (=|in) \(?\?/, `the state is a bound parameter: ${p.sql}`);
      assert.match(p.sql, /status"? (= 'queued'|in \('leased', 'running'\))/, p.sql);
      // SQLite's planner reads a bound LIMIT, so it compiles such a statement again at every run.
      assert.not.match(p.sql, /limit \?/i, `the limit is a bound parameter: ${p.sql}`);
    }
  } finally {
    await t.close();
  }
});

test('PostgreSQL: no connection plans bitmap scans (they would visit the entries of finished tasks every time); the load count walks the active index', async () => {
  const t = await openTestDb('postgres');
  try {
    const { row } = await addRunner(t.ctx, 'plan-runner', ['plans']);
    const setting = await sql<{ enable_bitmapscan: string }>`show enable_bitmapscan`.execute(t.ctx.db);
    assert.is(setting.rows[0].enable_bitmapscan, 'off', 'every connection of the pool');
    // Many finished tasks, few held: what the hot partial indexes look like between vacuums.
    await sql`insert into tasks (id, op, params, dataset, runner_id, status, attempt, max_attempts, timeout_s,
        available_at, created_at, updated_at, description)
      select 'tsk_plan_' || g, 100, '{}', 'plans', ${row.id}, case when g % 100 = 0 then 'running' else 'succeeded' end,
        1, 1, 60, 0, 0, 0, ''
      from generate_series(1, 5000) g`.execute(t.ctx.db);
    await sql`analyze tasks`.execute(t.ctx.db);
    const seen: CompiledQuery[] = [];
    const executor = t.ctx.db.getExecutor() as unknown as { executeQuery: (q: CompiledQuery) => Promise<unknown> };
    const run = executor.executeQuery.bind(executor);
    executor.executeQuery = (q) => (seen.push(q), run(q));
    const counts = await activeCounts(t.ctx.db, [row.id]);
    executor.executeQuery = run;
    assert.is(counts.get(row.id), 50);
    const q = seen.find((s) => /count\(\*\)/.test(s.sql))!;
    const plan = await t.ctx.db.executeQuery<{ 'QUERY PLAN': string }>({
      ...q,
      sql: `explain ${q.sql}`,
    });
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Index (Only )?Scan using tasks_active_runner/, text);
    assert.not.match(text, /Bitmap/, text);
  } finally {
    await t.close();
  }
});

test.run();
