import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubError } from '../errors.ts';
import { addRunner, DIALECTS, fetchTask, openTestDb, rowsResult, type TestDb } from '../testing/support.ts';
import type { CancelNotice } from './notifier.ts';
import { cancelTask } from './cancel.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { ping } from './leases.ts';
import { reapOnce } from './reaper.ts';
import { progress, result } from './report.ts';

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb; notices: CancelNotice[] }>(
    `cancel (${dialect})`,
    {} as { t: TestDb; notices: CancelNotice[] },
  );
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect, { SIMPUL_LEASE_TTL_S: '10' });
    c.notices = [];
    c.t.ctx.events.on('cancel', (n) => c.notices.push(n));
  });
  test.after.each(async (c) => {
    await c.t.close();
  });
  const getRow = (t: TestDb, id: string) =>
    t.ctx.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('queued → canceled at once, and never claimed', async ({ t, notices }) => {
    const { row: r } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    assert.equal(await cancelTask(t.ctx, task.task_id, 'alice'), { task_id: task.task_id, status: 'canceled' });
    assert.equal(await claim(t.ctx, { id: r.id, datasets: ['d'] }, 5), []);
    const row = await getRow(t, task.task_id);
    assert.is(row.status, 'canceled');
    assert.equal(JSON.parse(row.error!).code, 'canceled');
    assert.is(notices.length, 0, 'nothing to tell a runner');
  });

  test('leased → cancel requested, pushed, listed in heartbeats; the runner confirms → canceled', async ({
    t,
    notices,
  }) => {
    const { row: r } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    const [o] = await claim(t.ctx, { id: r.id, datasets: ['d'] }, 1);
    assert.equal(await cancelTask(t.ctx, task.task_id, 'alice'), { task_id: task.task_id, status: 'leased' });
    assert.equal(notices, [{ runnerId: r.id, taskId: task.task_id, reason: 'canceled by alice' }]);
    const { reply } = await ping(
      t.ctx,
      r,
      { runner_id: r.id, leases: [{ task_id: o.task_id, lease_token: o.lease_token }] },
      'polling',
    );
    assert.equal(reply.cancel, [task.task_id]);
    assert.equal(reply.keep, []);
    assert.equal(await result(t.ctx, r, { task_id: o.task_id, lease_token: o.lease_token, status: 'canceled' }), {
      ok: true,
      stored: true,
    });
    const row = await getRow(t, task.task_id);
    assert.is(row.status, 'canceled');
    assert.is((await reapOnce(t.ctx, Date.now() + 100_000)).requeued, 0, 'a canceled task is never retried');
  });

  test('running → the progress reply says canceled', async ({ t }) => {
    const { row: r } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    const [o] = await claim(t.ctx, { id: r.id, datasets: ['d'] }, 1);
    await progress(t.ctx, r, { task_id: o.task_id, lease_token: o.lease_token, percent: 10 });
    assert.equal(await cancelTask(t.ctx, task.task_id, 'alice'), { task_id: task.task_id, status: 'running' });
    const reply = await progress(t.ctx, r, { task_id: o.task_id, lease_token: o.lease_token, percent: 20 });
    assert.is(reply.canceled, true);
  });

  test('a finished task refuses with 409', async ({ t }) => {
    const { row: r } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    const [o] = await claim(t.ctx, { id: r.id, datasets: ['d'] }, 1);
    await result(t.ctx, r, {
      task_id: o.task_id,
      lease_token: o.lease_token,
      status: 'succeeded',
      result: rowsResult(),
    });
    try {
      await cancelTask(t.ctx, task.task_id, 'alice');
      assert.unreachable('should refuse');
    } catch (err) {
      assert.instance(err, HubError);
      assert.is((err as HubError).status, 409);
      assert.is((err as HubError).code, 'conflict');
    }
    assert.is((await getRow(t, task.task_id)).status, 'succeeded');
  });

  test('holder offline: when its lease expires the task is canceled, not re-queued', async ({ t }) => {
    const { row: r } = await addRunner(t.ctx, 'a', ['d']);
    const [task] = await enqueue(t.ctx, [fetchTask('d')], null);
    const t0 = Date.now();
    await claim(t.ctx, { id: r.id, datasets: ['d'] }, 1, t0);
    await cancelTask(t.ctx, task.task_id, 'alice');
    const stats = await reapOnce(t.ctx, t0 + 10_001);
    assert.is(stats.canceled, 1);
    assert.is(stats.requeued, 0);
    const row = await getRow(t, task.task_id);
    assert.is(row.status, 'canceled');
  });

  test.run();
}
