// A PostgreSQL table that a test can lock: a runner's query on it waits inside PostgreSQL for as long as the test holds
// the lock, so "this happens while the task runs" holds by construction, not by how fast the machine is.
import pg from 'pg';
import { PG_URL } from './hub-cluster.ts';
import { waitFor } from './procs.ts';

export class HeldTable {
  private constructor(
    private readonly db: pg.Client,
    private readonly schema: string,
  ) {}

  /** `schema.held`: ids 1..100 and n = id * 7, with a primary key. */
  get table(): string {
    return `${this.schema}.held`;
  }

  /** A runner dataset entry that reads the table. */
  dataset(name = 'held') {
    return { name, format: 'postgres', connection: PG_URL, table: this.table };
  }

  static async create(prefix: string): Promise<HeldTable> {
    const db = new pg.Client(PG_URL);
    await db.connect();
    const schema = `${prefix}_${process.pid}`;
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.held AS SELECT i AS id, i * 7 AS n FROM generate_series(1, 100) AS s(i);
      ALTER TABLE ${schema}.held ADD PRIMARY KEY (id)`);
    return new HeldTable(db, schema);
  }

  /**
   * Locks the table until `release()`; `blocked()` resolves once some query (the runner's) waits for the lock.
   */
  async hold(): Promise<{ blocked(timeoutMs?: number): Promise<void>; release(): Promise<void> }> {
    const lock = new pg.Client(PG_URL);
    await lock.connect();
    await lock.query(`BEGIN; LOCK TABLE ${this.table} IN ACCESS EXCLUSIVE MODE`);
    const pid = (await lock.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    let released = false;
    return {
      blocked: async (timeoutMs = 60_000) => {
        const q = 'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))';
        await waitFor(
          async () => (await this.db.query(q, [pid])).rowCount,
          "a query to wait for the test's lock",
          timeoutMs,
          100,
        );
      },
      release: async () => {
        if (released) return;
        released = true;
        await lock.query('ROLLBACK').catch(() => {});
        await lock.end().catch(() => {});
      },
    };
  }

  async drop(): Promise<void> {
    await this.db.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => {});
    await this.db.end().catch(() => {});
  }
}
