import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addRunner, dataset, DIALECTS, fetchTask, openTestDb, type TestDb } from '../testing/support.ts';
import { cancelTask } from './cancel.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { isBareHeartbeat } from './heartbeats.ts';
import { ping } from './leases.ts';

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`batched heartbeats (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect);
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  test('a heartbeat is bare only when it holds no leases and advertises nothing new', async ({ t }) => {
    const { row } = await addRunner(t.ctx, 'a', ['d']);
    const r = { ...row, transport: 'websocket' as const, version: '1.0.0', labels: '["x"]' };
    assert.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [] }, 'websocket'));
    assert.ok(
      isBareHeartbeat(
        r,
        { runner_id: r.id, leases: [], labels: ['x'], version: '1.0.0', draining: false, datasets: [dataset('d')] },
        'websocket',
      ),
    );
    assert.not.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [{ task_id: 't', lease_token: 'l' }] }, 'websocket'));
    assert.not.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [] }, 'polling'));
    assert.not.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [], version: '1.0.1' }, 'websocket'));
    assert.not.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [], labels: ['y'] }, 'websocket'));
    assert.not.ok(isBareHeartbeat(r, { runner_id: r.id, leases: [], draining: true }, 'websocket'));
    assert.not.ok(
      isBareHeartbeat(r, { runner_id: r.id, leases: [], datasets: [dataset('d'), dataset('e')] }, 'websocket'),
    );
  });

  test('bare heartbeats sent together are answered together: last_seen moves, cancels of unlisted tasks are told', async ({
    t,
  }) => {
    const { ctx } = t;
    const runners = await Promise.all(['a', 'b', 'c'].map((n) => addRunner(ctx, n, [`d-${n}`])));
    const [a] = runners;
    await enqueue(ctx, [fetchTask('d-a')], null);
    const [held] = await claim(ctx, { id: a.row.id, datasets: ['d-a'] }, 1);
    await cancelTask(ctx, held.task_id, 'admin');
    const now = Date.now() + 1000;
    // The runner lists no leases (it lost track of its task), so the heartbeat is bare; the cancel must still reach it.
    const replies = await Promise.all(
      runners.map(({ row }) =>
        ping(ctx, { ...row, transport: 'websocket' }, { runner_id: row.id, leases: [] }, 'websocket', now),
      ),
    );
    assert.equal(replies[0].reply.cancel, [held.task_id]);
    assert.equal(replies[1].reply.cancel, []);
    assert.equal(replies[2].reply.keep, []);
    const seen = await ctx.db.selectFrom('runners').select(['id', 'last_seen']).execute();
    for (const { row } of runners)
      assert.is(seen.find((s) => s.id === row.id)?.last_seen, now, `last_seen of ${row.name}`);
    assert.is(replies[1].runner.last_seen, now);
  });

  test.run();
}
