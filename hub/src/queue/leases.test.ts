import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { listAttempts } from './attempts.ts';
import type { HubError } from '../errors.ts';
import { addRunner, dataset, DIALECTS, fetchTask, openTestDb, rowsResult, type TestDb } from '../testing/support.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { extendAllLeases, ping, release, shortenLeases } from './leases.ts';
import { result } from './report.ts';

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`leases (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect, { SIMPUL_LEASE_TTL_S: '10', SIMPUL_HEARTBEAT_S: '2' });
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  test('ping: keep own live leases (renewed), drop stale or finished ones, record what is advertised', async ({
    t,
  }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    await enqueue(ctx, [fetchTask('d'), fetchTask('d')], null);
    const t0 = Date.now();
    const [o1, o2] = await claim(ctx, { id: r.id, datasets: ['d'] }, 2, t0);
    await result(ctx, r, {
      task_id: o2.task_id,
      lease_token: o2.lease_token,
      status: 'succeeded',
      result: rowsResult(),
    });
    const { reply, runner } = await ping(
      ctx,
      r,
      {
        runner_id: r.id,
        leases: [
          { task_id: o1.task_id, lease_token: o1.lease_token },
          { task_id: o2.task_id, lease_token: o2.lease_token },
          { task_id: 'gone', lease_token: 'x' },
        ],
        datasets: [dataset('d'), dataset('e')],
        version: '1.2.3',
      },
      'polling',
      t0 + 5000,
    );
    assert.equal(reply.keep, [o1.task_id]);
    assert.equal(reply.drop.sort(), [o2.task_id, 'gone'].sort());
    assert.equal(reply.cancel, []);
    assert.is(reply.heartbeat_interval_s, 2);
    assert.is(reply.lease_ttl_s, 10);
    const row = await ctx.db
      .selectFrom('tasks')
      .select('lease_expires_at')
      .where('id', '=', o1.task_id)
      .executeTakeFirstOrThrow();
    assert.is(row.lease_expires_at, t0 + 5000 + 10_000);
    assert.is(runner.version, '1.2.3');
    assert.is(runner.last_seen, t0 + 5000);
    assert.is(runner.transport, 'polling');
    assert.equal(
      JSON.parse(runner.datasets).map((d: { name: string }) => d.name),
      ['d', 'e'],
    );
  });

  test('ping for another runner id is forbidden', async ({ t }) => {
    const { row: r } = await addRunner(t.ctx, 'a');
    try {
      await ping(t.ctx, r, { runner_id: 'someone-else', leases: [] }, 'polling');
      assert.unreachable();
    } catch (err) {
      assert.is((err as HubError).status, 403);
    }
  });

  test('release hands a lease back without spending an attempt', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    await enqueue(ctx, [fetchTask('d')], null);
    const [o] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1);
    assert.is(await release(ctx, o.task_id, o.lease_token), 'queued');
    assert.is(await release(ctx, o.task_id, o.lease_token), undefined, 'only once');
    const task = await ctx.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    assert.is(task.status, 'queued');
    assert.is(task.attempt, 0);
    const [again] = await claim(ctx, { id: r.id, datasets: ['d'] }, 1);
    assert.is(again.attempt, 1);
    const now = await ctx.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    const attempts = await listAttempts(ctx.db, now);
    assert.equal(
      attempts.map((a) => [a.outcome, a.lease_token, a.runner_id]),
      [
        ['released', o.lease_token, r.id],
        ['running', again.lease_token, r.id],
      ],
    );
  });

  test('shorten on disconnect, extend on hub start', async ({ t }) => {
    const { ctx } = t;
    const { row: r } = await addRunner(ctx, 'a', ['d']);
    await enqueue(ctx, [fetchTask('d')], null);
    const t0 = Date.now();
    await claim(ctx, { id: r.id, datasets: ['d'] }, 1, t0);
    assert.is(await shortenLeases(ctx, r.id, 2000, t0), 1);
    let row = await ctx.db.selectFrom('tasks').select('lease_expires_at').executeTakeFirstOrThrow();
    assert.is(row.lease_expires_at, t0 + 2000);
    assert.is(await extendAllLeases(ctx, t0 + 1000), 1);
    row = await ctx.db.selectFrom('tasks').select('lease_expires_at').executeTakeFirstOrThrow();
    assert.is(row.lease_expires_at, t0 + 1000 + 10_000);
  });

  test.run();
}
