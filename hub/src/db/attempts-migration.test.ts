// Migration 1200_current_attempt on a database that wrote an attempt row at every lease: the rows of the leases in flight
// go and their lease times move to the task rows; every ended attempt keeps its row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskCreate } from '@simpul/protocol';
import type { Kysely } from 'kysely';
import { listAttempts } from '../queue/attempts.ts';
import { newTaskRows } from '../queue/tasks.ts';
import { DIALECTS, openTestDb, type Dialect } from '../testing/support.ts';
import { migrate } from './migrations.ts';

for (const dialect of DIALECTS) {
  test(`${dialect}: the rows of tasks in flight take over their attempts; ended attempts stay`, async () => {
    const t = await openTestDb(dialect as Dialect);
    try {
      const db = t.ctx.db as unknown as Kysely<any>;
      await db.schema.alterTable('tasks').dropColumn('leased_at').execute();
      await db.deleteFrom('kysely_migration').where('name', '=', '1200_current_attempt').execute();
      const input = TaskCreate.parse({ op: 100, params: { dataset: 'd' } });
      const [held, done, requeued, lost] = newTaskRows([input, input, input, input], null, {
        timeoutS: 60,
        maxAttempts: 2,
      }).map(({ leased_at: _l, ...old }) => old);
      const lease = (row: typeof held, token: string, status: string) =>
        Object.assign(row, { status, runner_id: 'run_a', attempt: 1, lease_token: token });
      lease(held, 'lease_held', 'running');
      lease(done, 'lease_done', 'succeeded');
      lease(lost, 'lease_lost', 'failed'); // the reaper gave up on it: its row says lost
      Object.assign(requeued, { runner_id: 'run_a', attempt: 1 }); // lost once, queued again
      await db.insertInto('tasks').values([held, done, requeued, lost]).execute();
      const attempt = (task: string, token: string, outcome: string, started: number, ended: number | null) => ({
        id: `att_${token}`,
        task_id: task,
        attempt: 1,
        runner_id: 'run_a',
        lease_token: token,
        started_at: started,
        ended_at: ended,
        outcome,
        error: null,
      });
      await db
        .insertInto('task_attempts')
        .values([
          attempt(held.id, 'lease_held', 'running', 111, null),
          attempt(done.id, 'lease_done', 'succeeded', 222, 223),
          attempt(requeued.id, 'lease_old', 'lost', 333, 334),
          attempt(lost.id, 'lease_lost', 'lost', 444, 445),
        ])
        .execute();

      const config = t.ctx.config.database;
      await migrate(db, config.kind === 'postgres' ? config.schema : undefined);
      const left = await db.selectFrom('task_attempts').select('lease_token').orderBy('lease_token').execute();
      assert.equal(
        left.map((r) => r.lease_token),
        ['lease_done', 'lease_lost', 'lease_old'],
      );
      const rows = await t.ctx.db.selectFrom('tasks').selectAll().execute();
      const of = async (id: string) =>
        (await listAttempts(t.ctx.db, rows.find((r) => r.id === id)!)).map((a) => [
          a.outcome,
          a.lease_token,
          a.started_at,
        ]);
      assert.equal(await of(held.id), [['running', 'lease_held', 111]]);
      assert.equal(await of(done.id), [['succeeded', 'lease_done', 222]], 'its row, once');
      assert.equal(await of(requeued.id), [['lost', 'lease_old', 333]]);
      assert.equal(await of(lost.id), [['lost', 'lease_lost', 444]], 'the row the reaper wrote, once');
    } finally {
      await t.close();
    }
  });
}

test.run();
