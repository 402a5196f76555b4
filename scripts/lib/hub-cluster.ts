// Several real hub processes on one PostgreSQL schema (created for the run, dropped by stop()).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { HubProc } from './hub.ts';

export const PG_URL = process.env.SIMPUL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export class HubCluster {
  constructor(
    readonly hubs: HubProc[],
    readonly schema: string,
  ) {}

  /** Starts `count` hubs one after the other (the first one creates the tables and the admin user). */
  static async start(count: number, env: Record<string, string> = {}, prefix = 'simpul_cluster'): Promise<HubCluster> {
    const schema = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
    const hubs: HubProc[] = [];
    const cluster = new HubCluster(hubs, schema);
    try {
      for (let i = 0; i < count; i++) {
        hubs.push(
          await HubProc.start({
            name: `cluster-hub-${String.fromCharCode(97 + i)}`,
            env: { SIMPUL_LOG_LEVEL: 'info', ...env, SIMPUL_DATABASE_URL: `${PG_URL}?schema=${schema}` },
          }),
        );
      }
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(this.hubs.map((h) => h.stop()));
    await dropSchema(this.schema);
  }
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
