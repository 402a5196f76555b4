// The lease at create (SQLite): created tasks leased in the create's own transaction to runners waiting on this hub.
// What it leases is delivered only after the commit and is not announced as available; if it fails, the tasks are
// stored all the same, untouched, and announced for a round.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listAttempts } from './attempts.ts';
import SQLite from 'better-sqlite3';
import { addRunner, fetchTask, openTestDb } from '../testing/support.ts';
import { claimWithin } from './claim.ts';
import { enqueue } from './enqueue.ts';
import type { WorkHint } from './notifier.ts';

test('leased in the create transaction: delivered after the commit, not announced as available', async () => {
  const t = await openTestDb('sqlite');
  try {
    const { ctx } = t;
    const { row: runner } = await addRunner(ctx, 'waiting', ['radar']);
    const hints: (WorkHint | undefined)[] = [];
    ctx.events.on('available', (h) => hints.push(h));
    let delivered: string[] = [];
    let seenByAnotherConnection: unknown[] = [];
    const file = ctx.config.database.kind === 'sqlite' ? ctx.config.database.file : '';
    ctx.leaseOnCreate = async (trx, _rows, now) => {
      const wants = [{ runner: { id: runner.id, datasets: ['radar'] }, limit: 1 }];
      const { offers } = await claimWithin(ctx, trx, wants, now);
      const taken = new Set(offers.flat().map((o) => o.task_id));
      return {
        taken,
        deliver: () => {
          delivered = [...taken];
          // Committed by now: another connection sees the lease.
          const other = new SQLite(file, { readonly: true });
          seenByAnotherConnection = delivered.map(
            (id) => (other.prepare('select status from tasks where id = ?').get(id) as { status: string }).status,
          );
          other.close();
        },
      };
    };
    const created = await enqueue(ctx, [fetchTask('radar'), fetchTask('radar')], null);
    assert.is(delivered.length, 1, 'one slot: one task leased at create');
    assert.equal(seenByAnotherConnection, ['leased']);
    assert.is(delivered[0], created[0].task_id, 'the oldest first');
    const states = await ctx.db
      .selectFrom('tasks')
      .select(['id', 'status', 'runner_id'])
      .orderBy('created_at')
      .execute();
    const leased = states.filter((s) => s.status === 'leased');
    assert.equal(
      leased.map((s) => [s.id, s.runner_id]),
      [[delivered[0], runner.id]],
    );
    for (const task of await ctx.db.selectFrom('tasks').selectAll().orderBy('created_at').execute())
      assert.equal(
        (await listAttempts(ctx.db, task)).map((a) => [a.task_id, a.outcome]),
        task.id === delivered[0] ? [[task.id, 'running']] : [],
      );
    // Only the task left queued is announced.
    assert.is(hints.length, 1);
    assert.equal(hints[0], { runners: [], datasets: ['radar'] });
  } finally {
    await t.close();
  }
});

test('a lease at create that fails leaves the tasks stored and queued, and announces them', async () => {
  const t = await openTestDb('sqlite');
  try {
    const { ctx } = t;
    const { row: runner } = await addRunner(ctx, 'flaky', ['radar']);
    const hints: (WorkHint | undefined)[] = [];
    ctx.events.on('available', (h) => hints.push(h));
    ctx.leaseOnCreate = async (trx, _rows, now) => {
      // It leases, then fails: the savepoint takes the lease back.
      await claimWithin(ctx, trx, [{ runner: { id: runner.id, datasets: ['radar'] }, limit: 5 }], now);
      throw new Error('the lease broke halfway');
    };
    const created = await enqueue(ctx, [fetchTask('radar')], null);
    const task = await ctx.db.selectFrom('tasks').selectAll().executeTakeFirstOrThrow();
    assert.is(task.id, created[0].task_id);
    assert.is(task.status, 'queued');
    assert.is(task.attempt, 0);
    assert.is(task.runner_id, null);
    assert.is((await listAttempts(ctx.db, task)).length, 0);
    assert.equal(hints, [{ runners: [], datasets: ['radar'] }]);
  } finally {
    await t.close();
  }
});

test.run();
