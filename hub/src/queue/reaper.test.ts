import { suite, test as unit } from 'uvu';
import * as assert from 'uvu/assert';
import { addRunner, DIALECTS, fetchTask, openTestDb, rowsResult, type TestDb } from '../testing/support.ts';
import { backoffMs } from './backoff.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { ping } from './leases.ts';
import { reapOnce } from './reaper.ts';
import { result } from './report.ts';

unit('backoff grows exponentially from the base, is jittered and capped', () => {
  assert.is(
    backoffMs(1, 1000, 60_000, () => 0),
    500,
  );
  assert.is(
    backoffMs(1, 1000, 60_000, () => 1),
    1000,
  );
  assert.is(
    backoffMs(3, 1000, 60_000, () => 1),
    4000,
  );
  assert.is(
    backoffMs(20, 1000, 60_000, () => 1),
    60_000,
  );
  assert.is(
    backoffMs(20, 1000, 60_000, () => 0),
    30_000,
  );
  for (let i = 0; i < 100; i++) {
    const d = backoffMs(2, 1000, 60_000);
    assert.ok(d >= 1000 && d <= 2000);
  }
});
unit.run();

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`reaper (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect, { SIMPUL_LEASE_TTL_S: '10', SIMPUL_MAX_ATTEMPTS: '2' });
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  test('an expired lease goes back to queued with backoff, then fails `lost` after max attempts', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    const [task] = await enqueue(ctx, [fetchTask('d')], null);
    const t0 = Date.now();
    const [o1] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t0);

    assert.is((await reapOnce(ctx, t0 + 9_000)).requeued, 0, 'lease still valid');
    const t1 = t0 + 10_001;
    const stats = await reapOnce(ctx, t1);
    assert.is(stats.requeued, 1);
    let row = await ctx.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    assert.is(row.status, 'queued');
    assert.is(row.attempt, 1, 'attempt kept; the next claim bumps it');
    assert.is(row.lease_token, null);
    assert.ok(
      row.available_at >= t1 + 500 && row.available_at <= t1 + 1000,
      `backoff from 1 s: ${row.available_at - t1}`,
    );
    const a1 = await ctx.db
      .selectFrom('task_attempts')
      .selectAll()
      .where('lease_token', '=', o1.lease_token)
      .executeTakeFirstOrThrow();
    assert.is(a1.outcome, 'lost');
    assert.is(a1.ended_at, t1);

    assert.equal(await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t1 + 100), [], 'not before the backoff is over');
    const [o2] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t1 + 1000);
    assert.is(o2.attempt, 2);
    assert.is.not(o2.lease_token, o1.lease_token);

    const t2 = t1 + 1000 + 10_001;
    assert.is((await reapOnce(ctx, t2)).failed, 1);
    row = await ctx.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    assert.is(row.status, 'failed');
    assert.equal(JSON.parse(row.error!).code, 'lost');
    assert.is(row.finished_at, t2);
    const attempts = await ctx.db
      .selectFrom('task_attempts')
      .select('outcome')
      .where('task_id', '=', task.task_id)
      .execute();
    assert.equal(
      attempts.map((a) => a.outcome),
      ['lost', 'lost'],
    );
  });

  test('a heartbeat that renews the lease keeps the task from the reaper', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    await enqueue(ctx, [fetchTask('d')], null);
    const t0 = Date.now();
    const [o] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t0);
    const { reply } = await ping(
      ctx,
      r,
      { runner_id: r.id, leases: [{ task_id: o.task_id, lease_token: o.lease_token }] },
      'polling',
      t0 + 8_000,
    );
    assert.equal(reply.keep, [o.task_id]);
    assert.is((await reapOnce(ctx, t0 + 12_000)).requeued, 0);
    assert.is((await reapOnce(ctx, t0 + 18_001)).requeued, 1);
  });

  test('a held task past its timeout (plus grace) fails `timeout`', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    const [task] = await enqueue(ctx, [fetchTask('d', { timeout_s: 30 })], null);
    const t0 = Date.now();
    const [o] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t0);
    // Keep the lease alive past the deadline, as a live runner that ignores its timeout would.
    await ctx.db
      .updateTable('tasks')
      .set({ lease_expires_at: t0 + 3_600_000 })
      .execute();
    const cancels: string[] = [];
    ctx.events.on('cancel', (n) => cancels.push(n.taskId));
    assert.is((await reapOnce(ctx, t0 + 35_000)).timedOut, 0, 'within the grace');
    assert.is((await reapOnce(ctx, t0 + 40_001)).timedOut, 1);
    const row = await ctx.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    assert.is(row.status, 'failed');
    assert.equal(JSON.parse(row.error!).code, 'timeout');
    const a = await ctx.db
      .selectFrom('task_attempts')
      .selectAll()
      .where('lease_token', '=', o.lease_token)
      .executeTakeFirstOrThrow();
    assert.is(a.outcome, 'timeout');
    assert.equal(cancels, [task.task_id], 'the runner is told to stop');
  });

  test('expired results are purged, the task stays', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    const [task] = await enqueue(ctx, [fetchTask('d')], null);
    const [o] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1);
    await result(ctx, r, { task_id: o.task_id, lease_token: o.lease_token, status: 'succeeded', result: rowsResult() });
    const before = await ctx.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    assert.ok(before.result !== null && before.result_expires_at !== null);
    assert.is((await reapOnce(ctx, Date.now() + 1000)).purged, 0, 'not expired yet');
    assert.is((await reapOnce(ctx, before.result_expires_at! + 1)).purged, 1);
    const after = await ctx.db.selectFrom('tasks').selectAll().where('id', '=', task.task_id).executeTakeFirstOrThrow();
    assert.is(after.result, null);
    assert.is(after.status, 'succeeded');
  });

  test('two reapers at once expire a lease once', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    await enqueue(ctx, [fetchTask('d'), fetchTask('d'), fetchTask('d')], null);
    const t0 = Date.now();
    await claim(ctx, { id: r.id, datasets: ['d'] }, 3, t0);
    const [a, b] = await Promise.all([reapOnce(ctx, t0 + 10_001), reapOnce(ctx, t0 + 10_001)]);
    assert.is(a.requeued + b.requeued, 3);
    const lost = await ctx.db.selectFrom('task_attempts').select('id').where('outcome', '=', 'lost').execute();
    assert.is(lost.length, 3);
  });

  test.run();
}
