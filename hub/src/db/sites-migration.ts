// Migration 0900_sites: which runners are sites of a dataset name (trust on first use, later ones wait for an admin).
import type { Kysely, Migration } from 'kysely';

export const sites: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('dataset_sites')
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('runner_id', 'text', (c) => c.notNull().references('runners.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull()) // approved | pending | rejected
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_at', 'bigint')
      .addColumn('decided_by', 'text') // user id of the admin, or null (first use, auto)
      .addPrimaryKeyConstraint('dataset_sites_pk', ['runner_id', 'dataset'])
      .execute();
    await db.schema.createIndex('dataset_sites_dataset').on('dataset_sites').columns(['dataset', 'status']).execute();

    // Runners enrolled before sites were kept are the sites of what they serve today.
    const runners: { id: string; datasets: string; created_at: number }[] = await db
      .selectFrom('runners')
      .select(['id', 'datasets', 'created_at'])
      .execute();
    for (const r of runners) {
      let names: string[] = [];
      try {
        const parsed: unknown = JSON.parse(r.datasets);
        if (Array.isArray(parsed))
          names = [
            ...new Set(
              parsed.map((d) => (d as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string'),
            ),
          ];
      } catch {
        continue; // an unreadable column advertises nothing
      }
      if (names.length === 0) continue;
      const rows = names.map((dataset) => ({
        dataset,
        runner_id: r.id,
        status: 'approved',
        created_at: Number(r.created_at),
        decided_at: null,
        decided_by: null,
      }));
      await db.insertInto('dataset_sites').values(rows).execute();
    }
  },
};
