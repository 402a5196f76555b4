// A result group is written with multi-row statements (result-rows.ts), in chunks of up to 64 reports padded to a power
// of two: each report must still be fenced on its own lease, and write its own task and its own attempt.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ResultPost } from '@simpul/protocol';
import type { HubError } from '../errors.ts';
import { addRunner, DIALECTS, fetchTask, openTestDb, rowsResult, type TestDb } from '../testing/support.ts';
import type { AttemptRow } from '../db/schema.ts';
import { listAttempts } from './attempts.ts';
import { claim } from './claim.ts';
import { enqueue } from './enqueue.ts';
import { progress, result } from './report.ts';
import { finishAll, type FinalRow } from './result-rows.ts';
import { getTask } from './tasks.ts';

for (const dialect of DIALECTS) {
  const test = suite<{ t: TestDb }>(`result groups (${dialect})`, {} as { t: TestDb });
  test.before.each(async (c) => {
    c.t = await openTestDb(dialect, { SIMPUL_LEASE_TTL_S: '60' });
  });
  test.after.each(async (c) => {
    await c.t.close();
  });

  test('100 reports in one group: each fenced by its own lease, each task and attempt written as reported', async ({
    t,
  }) => {
    const { row: runner } = await addRunner(t.ctx, 'group', ['d']);
    await enqueue(
      t.ctx,
      Array.from({ length: 100 }, () => fetchTask('d')),
      null,
    );
    const offers = await claim(t.ctx, { id: runner.id, datasets: ['d'] }, 100);
    assert.is(offers.length, 100);
    const progressedAt = Date.now() + 1000;
    await progress(
      t.ctx,
      runner,
      { task_id: offers[1].task_id, lease_token: offers[1].lease_token, percent: 30 },
      progressedAt,
    );
    const now = Date.now() + 2000;
    const timeout = { code: 'timeout', message: 'ran past its deadline' };
    const posts: ResultPost[] = offers.map((o, i) =>
      i === 2
        ? { task_id: o.task_id, lease_token: o.lease_token, status: 'failed', error: timeout }
        : i === 3
          ? { task_id: o.task_id, lease_token: 'lease_not_this_one', status: 'succeeded', result: rowsResult(1) }
          : { task_id: o.task_id, lease_token: o.lease_token, status: 'succeeded', result: rowsResult(1 + (i % 5)) },
    );
    // Submitted in one turn of the event loop: one group, two chunks (64 and 36 padded to 64).
    const replies = await Promise.allSettled(posts.map((p) => result(t.ctx, runner, p, now)));
    replies.forEach((r, i) => {
      if (i === 3) {
        assert.is(r.status, 'rejected');
        assert.is(((r as PromiseRejectedResult).reason as HubError).code, 'stale_lease');
      } else assert.equal((r as PromiseFulfilledResult<unknown>).value, { ok: true, stored: true }, `report ${i}`);
    });

    const rows = new Map((await t.ctx.db.selectFrom('tasks').selectAll().execute()).map((r) => [r.id, r] as const));
    const attempts = new Map<string, AttemptRow>();
    for (const row of rows.values()) {
      const list = await listAttempts(t.ctx.db, row);
      assert.is(list.length, 1, 'one attempt each');
      attempts.set(row.id, list[0]);
    }
    offers.forEach((o, i) => {
      const row = rows.get(o.task_id)!;
      const attempt = attempts.get(o.task_id)!;
      if (i === 3) {
        assert.is(row.status, 'leased', 'a report under another lease changes nothing');
        assert.is(row.result, null);
        assert.is(attempt.ended_at, null);
        assert.is(attempt.outcome, 'running');
        return;
      }
      assert.is(row.finished_at, now);
      assert.is(row.lease_expires_at, null);
      assert.is(row.deadline_at, null);
      assert.ok(row.result_expires_at! > now);
      assert.is(attempt.ended_at, now);
      assert.is(attempt.lease_token, o.lease_token);
      if (i === 2) {
        assert.is(row.status, 'failed');
        assert.is(row.result, null);
        assert.equal(JSON.parse(row.error!), timeout);
        assert.is(attempt.outcome, 'timeout');
        assert.equal(JSON.parse(attempt.error!), timeout);
        return;
      }
      assert.is(row.status, 'succeeded');
      assert.equal(JSON.parse(row.result!), rowsResult(1 + (i % 5)));
      assert.is(row.progress, 100);
      assert.is(row.error, null);
      assert.is(attempt.outcome, 'succeeded');
      // A task that reported progress started then; one that did not, when it was claimed.
      assert.is(row.started_at, i === 1 ? progressedAt : Date.parse(o.lease_expires_at) - 60_000);
    });
  });

  test('the statements themselves are fenced: a lease that moved on or a task already final is not written', async ({
    t,
  }) => {
    const { row: runner } = await addRunner(t.ctx, 'fence', ['d']);
    await enqueue(
      t.ctx,
      Array.from({ length: 3 }, () => fetchTask('d')),
      null,
    );
    const [a, b, c] = await claim(t.ctx, { id: runner.id, datasets: ['d'] }, 3);
    await t.ctx.db.updateTable('tasks').set({ status: 'canceled' }).where('id', '=', c.task_id).execute();
    const row = (id: string, lease: string): FinalRow => ({
      id,
      lease,
      status: 'succeeded',
      result: '{}',
      error: null,
      hash: 'h',
      blob: null,
      expires: 2,
      progress: 100,
      now: 1,
    });
    // The checks before the write passed for all three; between them and the write, b's lease and c's state changed.
    const finished = await t.ctx.db
      .transaction()
      .execute((trx) =>
        finishAll(trx, [
          row(a.task_id, a.lease_token),
          row(b.task_id, 'lease_moved_on'),
          row(c.task_id, c.lease_token),
        ]),
      );
    assert.equal([...finished], [a.task_id]);
    const states = await t.ctx.db.selectFrom('tasks').select(['id', 'status', 'finished_at']).orderBy('id').execute();
    assert.equal(
      states.map((s) => [s.id, s.status, s.finished_at]),
      [
        [a.task_id, 'succeeded', 1],
        [b.task_id, 'leased', null],
        [c.task_id, 'canceled', null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const attemptOf = async (id: string) => (await listAttempts(t.ctx.db, (await getTask(t.ctx.db, id))!))[0];
    assert.equal([(await attemptOf(a.task_id)).outcome, (await attemptOf(a.task_id)).ended_at], ['succeeded', 1]);
    assert.equal([(await attemptOf(b.task_id)).outcome, (await attemptOf(b.task_id)).ended_at], ['running', null]);
  });

  test.run();
}
