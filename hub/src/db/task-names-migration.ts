// Migration 1000_task_names: a name the analyst may give a task, and the one-line description of what it does (kept
// with the row so that lists can be searched in SQL); rows from before get their description here.
import { describeTask, OP_CODES, type OpCode } from '@simpul/protocol';
import type { Kysely, Migration } from 'kysely';

const BATCH = 500;

function description(op: number, params: string): string {
  if (!(OP_CODES as readonly number[]).includes(op)) return `op ${op}`;
  try {
    return describeTask(op as OpCode, JSON.parse(params));
  } catch {
    return describeTask(op as OpCode, null); // unreadable params: the op's name
  }
}

export const taskNames: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tasks').addColumn('name', 'text').execute();
    await db.schema
      .alterTable('tasks')
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    for (;;) {
      const rows: { id: string; op: number; params: string }[] = await db
        .selectFrom('tasks')
        .select(['id', 'op', 'params'])
        .where('description', '=', '')
        .limit(BATCH)
        .execute();
      for (const r of rows)
        await db
          .updateTable('tasks')
          .set({ description: description(Number(r.op), r.params) })
          .where('id', '=', r.id)
          .execute();
      if (rows.length < BATCH) break;
    }
  },
};
