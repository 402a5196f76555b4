// A hub SIGKILLed in the middle of its group commits of task results (hub/src/queue/results.ts): every result it
// acknowledged is stored after the restart, no task has two succeeded attempts, and the rest finishes exactly once.
// Real hub processes on SQLite and on PostgreSQL (a fresh schema, dropped after), simulated runners over sockets.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropSchema, PG_URL } from '../../lib/hub-cluster.ts';
import { ENROLLMENT_KEY, HubProc } from '../../lib/hub.ts';
import { waitFor } from '../../lib/procs.ts';
import { registerSims, SimRunner } from '../../lib/sim-runner.ts';

const TASKS = 3000;
const RUNNERS = 8;
const DATASET = 'gc';

interface Row {
  id: string;
  status: string;
  has_result: number;
  succeeded: number;
}

/**
 * Every task with its status, whether a result is stored, and how many of its attempts succeeded: rows of task_attempts
 * that say so, and the attempt the task's own row describes (its lease, when no row recorded that lease's end).
 */
type Reader = () => Promise<Row[]>;

const QUERY = `SELECT t.id, t.status, CASE WHEN t.result IS NULL THEN 0 ELSE 1 END AS has_result,
  (SELECT COUNT(*) FROM task_attempts a WHERE a.task_id = t.id AND a.outcome = 'succeeded')
  + CASE WHEN t.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM task_attempts a WHERE a.lease_token = t.lease_token)
    THEN 1 ELSE 0 END AS succeeded
  FROM tasks t`;

function sqliteReader(hub: HubProc): Reader {
  return async () => {
    const db = new SQLite(join(hub.dataDir, 'simpul.db'), { readonly: true });
    try {
      return (db.prepare(QUERY).all() as Row[]).map((r) => ({ ...r, succeeded: Number(r.succeeded) }));
    } finally {
      db.close();
    }
  };
}

function pgReader(schema: string): Reader {
  return async () => {
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return (await client.query(QUERY)).rows.map((r) => ({
        ...r,
        has_result: Number(r.has_result),
        succeeded: Number(r.succeeded),
      }));
    } finally {
      await client.end();
    }
  };
}

async function crashMidCommit(hub: HubProc, read: Reader): Promise<void> {
  const sims: SimRunner[] = [];
  try {
    const ids = await registerSims(hub.url, ENROLLMENT_KEY, RUNNERS, () => [DATASET], 'gc', 4);
    const acked = new Map<string, number>(); // task id → successful acks `{ ok: true, stored: true }` received
    let answered = 0;
    for (const id of ids) {
      const sim = new SimRunner(id, hub.url, {
        concurrency: 16,
        reconnectBaseMs: 200,
        reconnectMaxMs: 2000,
        onTask: (offer, _at, s) => {
          void s.finish(offer).then((reply) => {
            const r = reply as { ok?: boolean; stored?: boolean };
            if (r?.ok === true && r.stored === true) acked.set(offer.task_id, (acked.get(offer.task_id) ?? 0) + 1);
            answered++;
          });
        },
      });
      sims.push(sim);
      sim.start();
    }
    await Promise.all(sims.map((s) => s.whenReady()));

    const taskIds: string[] = [];
    for (let i = 0; i < TASKS; i += 1000) {
      const body = Array.from({ length: Math.min(1000, TASKS - i) }, (_, j) => ({
        op: 100,
        params: { dataset: DATASET, limit: 1, offset: i + j },
      }));
      const c = await hub.api.post('/api/v1/tasks', body);
      assert.is(c.status, 201, JSON.stringify(c.body).slice(0, 500));
      taskIds.push(...c.body.tasks.map((t: { task_id: string }) => t.task_id));
    }
    assert.is(new Set(taskIds).size, TASKS);

    // Results are flowing (some acknowledged, most not yet): kill the hub without warning.
    await waitFor(() => acked.size >= 200, '200 results acknowledged', 180_000, 5);
    await hub.kill9();
    const ackedAtKill = new Map(acked);
    for (const s of sims) s.stop(); // no more reports until the checks below are done
    assert.ok(ackedAtKill.size < TASKS, 'the hub was killed while results were still flowing');

    await hub.launch();
    const byId = new Map((await read()).map((r) => [r.id, r]));
    assert.is(byId.size, TASKS);
    for (const [id, n] of ackedAtKill) {
      assert.is(n, 1, `${id} acknowledged as stored once`);
      const r = byId.get(id);
      assert.ok(r, `${id} exists`);
      assert.is(r.status, 'succeeded', `${id}: acknowledged, so stored`);
      assert.is(r.has_result, 1, `${id}: its result is stored`);
      assert.is(r.succeeded, 1, `${id}: one succeeded attempt`);
    }
    for (const r of byId.values()) {
      assert.ok(r.succeeded <= 1, `${r.id}: at most one succeeded attempt`);
      if (r.status === 'succeeded') assert.is(r.has_result, 1, `${r.id}: succeeded with its result`);
      else assert.is(r.succeeded, 0, `${r.id}: ${r.status} without a succeeded attempt`);
    }
    const storedBefore = [...byId.values()].filter((r) => r.status === 'succeeded').length;
    console.log(
      `  killed with ${ackedAtKill.size} results acknowledged (${answered} answered); ${storedBefore} stored after the restart`,
    );

    // The runners come back and finish the rest: reports lost in the crash come back when their leases expire.
    for (const s of sims) s.start();
    await waitFor(
      async () => (await read()).every((r) => r.status === 'succeeded'),
      'every task to succeed',
      300_000,
      1000,
    );
    const end = await read();
    assert.is(end.length, TASKS);
    for (const r of end) {
      assert.is(r.status, 'succeeded', r.id);
      assert.is(r.has_result, 1, r.id);
      assert.is(r.succeeded, 1, `${r.id}: exactly one succeeded attempt`);
    }
    for (const [id, n] of acked) assert.is(n, 1, `${id} acknowledged as stored once`);
  } finally {
    for (const s of sims) s.stop();
  }
}

// Short leases: the tasks whose reports died with the hub go back to the queue within seconds.
const ENV = {
  SIMPUL_LOG_LEVEL: 'warn',
  SIMPUL_SITE_APPROVAL: 'auto',
  SIMPUL_LEASE_TTL_S: '4',
  SIMPUL_HEARTBEAT_S: '1',
  SIMPUL_MAX_ATTEMPTS: '10',
  SIMPUL_BACKOFF_BASE_MS: '100',
  SIMPUL_BACKOFF_MAX_MS: '1000',
};

test('SQLite: hub SIGKILLed during group commits; acknowledged results survive, each task succeeds once', async () => {
  const hub = await HubProc.start({ name: 'gc-sqlite', env: ENV });
  try {
    await crashMidCommit(hub, sqliteReader(hub));
  } finally {
    await hub.stop();
  }
});

test('PostgreSQL: hub SIGKILLed during group commits; acknowledged results survive, each task succeeds once', async () => {
  const schema = `simpul_gc_crash_${process.pid}_${randomBytes(3).toString('hex')}`;
  const hub = await HubProc.start({
    name: 'gc-postgres',
    env: { ...ENV, SIMPUL_DATABASE_URL: `${PG_URL}?schema=${schema}` },
  });
  try {
    await crashMidCommit(hub, pgReader(schema));
  } finally {
    await hub.stop();
    await dropSchema(schema);
  }
});

test.run();
