// A separate process that claims tasks in a loop for some runners and prints what it got: the race partner in claim tests.
import type { DatabaseConfig } from '../config.ts';
import { openDatabase } from '../db/connect.ts';
import { claim } from '../queue/claim.ts';
import { Notifier } from '../queue/notifier.ts';

const [database, runnerIds, dataset] = [
  JSON.parse(process.argv[2]) as DatabaseConfig,
  process.argv[3].split(','),
  process.argv[4],
];
const handle = await openDatabase(database);
const ctx = { db: handle.db, kind: handle.kind, config: { leaseTtlS: 15 } as never, events: new Notifier() };
// Tell the test we are ready, then start on its word, so that all claimers really run at the same time.
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const got: string[] = [];
await Promise.all(
  runnerIds.map(async (id) => {
    for (;;) {
      const offers = await claim(ctx, { id, datasets: [dataset] }, 3);
      if (offers.length === 0) return;
      got.push(...offers.map((o) => o.task_id));
      // SQLite's busy handler sleeps while a waiter waits: a claimer that asks again at once would take every turn.
      await new Promise((r) => setTimeout(r, 2));
    }
  }),
);
await handle.close();
process.stdout.write(`${JSON.stringify(got)}\n`);
process.stdin.destroy();
