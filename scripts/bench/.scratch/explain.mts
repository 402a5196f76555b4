import { sql } from 'kysely';
import { openTestDb, addRunner, fetchTask } from '/work/main/hub/src/testing/support.ts';
import { enqueue } from '/work/main/hub/src/queue/enqueue.ts';
import { runnerMayClaim } from '/work/main/hub/src/auth/runner-access.ts';
for (const d of ['sqlite', 'postgres'] as const) {
  const t = await openTestDb(d);
  const r = await addRunner(t.ctx, 'r', ['tp']);
  for (let i = 0; i < 20; i++) await enqueue(t.ctx, Array.from({ length: 1000 }, () => fetchTask('tp')), null);
  if (d === 'postgres') await sql`analyze tasks`.execute(t.ctx.db);
  const q = t.ctx.db.selectFrom('tasks').select(['id', 'created_at']).where('status', '=', 'queued').where((eb) => eb('target_runner_id', '=', r.row.id)).where('available_at', '<=', Date.now()).where((eb) => runnerMayClaim(eb, r.row.id)).orderBy('created_at').orderBy('id').limit(8);
  const c = q.compile();
  console.log(c.sql);
  const prefix = d === 'sqlite' ? 'explain query plan ' : 'explain analyze ';
  const res = await t.ctx.db.executeQuery({ ...c, sql: prefix + c.sql } as any);
  console.log(res.rows.map((x: any) => x.detail ?? x['QUERY PLAN']).join('\n'));
  await t.close();
}
process.exit(0);
