// Migration 1000_task_names on a database that has tasks already: each row gets its description, names stay empty.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TaskCreate } from '@simpul/protocol';
import type { Kysely } from 'kysely';
import { newTaskRows } from '../queue/tasks.ts';
import { DIALECTS, openTestDb, type Dialect } from '../testing/support.ts';
import { hotIndexes } from './hot-indexes-migration.ts';
import { migrate } from './migrations.ts';

for (const dialect of DIALECTS) {
  test(`${dialect}: rows from before the migration are described; unreadable params get the op's name`, async () => {
    const t = await openTestDb(dialect as Dialect);
    try {
      const db = t.ctx.db as unknown as Kysely<any>;
      // Back to the schema before 1000_task_names (and the migrations after it), with three tasks in it.
      await db.schema.alterTable('tasks').dropColumn('leased_at').execute();
      await db.deleteFrom('kysely_migration').where('name', '=', '1200_current_attempt').execute();
      await hotIndexes.down!(db);
      await db.deleteFrom('kysely_migration').where('name', '=', '1100_hot_indexes').execute();
      await db.schema.alterTable('tasks').dropColumn('name').execute();
      await db.schema.alterTable('tasks').dropColumn('description').execute();
      await db.deleteFrom('kysely_migration').where('name', '=', '1000_task_names').execute();
      const inputs = [
        TaskCreate.parse({
          op: 200,
          params: { dataset: 'flights', where: { column: 'dep_delay', op: '>', value: 60 } },
        }),
        TaskCreate.parse({ op: 300, params: { dataset: 'staff', analysis: 'describe', columns: ['salary', 'age'] } }),
        TaskCreate.parse({ op: 100, params: { dataset: 'broken' } }),
      ];
      const rows = newTaskRows(inputs, null, { timeoutS: 60, maxAttempts: 1 }).map(
        ({ name: _n, description: _d, leased_at: _l, ...old }) => old,
      );
      rows[2].params = '{not json';
      await db.insertInto('tasks').values(rows).execute();

      const config = t.ctx.config.database;
      await migrate(db, config.kind === 'postgres' ? config.schema : undefined);
      const after = await db.selectFrom('tasks').select(['id', 'name', 'description']).orderBy('id').execute();
      assert.equal(
        after.map((r) => [r.name, r.description]),
        [
          [null, 'Filter flights: dep_delay > 60'],
          [null, 'Describe salary, age on staff'],
          [null, 'Fetch rows'],
        ],
      );
    } finally {
      await t.close();
    }
  });
}

test.run();
