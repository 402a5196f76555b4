// Property-based fuzzing (fast-check) of every JSON endpoint and every runner socket event of a real hub over real HTTP
// and real sockets: more than 10,000 generated inputs; never a 5xx, never a crash, never a stored change from a rejected
// request (a snapshot of every table's row count, and SQLite's count of changed rows, before and after each one).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { sql } from 'kysely';
import { PROTOCOL_VERSION, ROUTES, type RouteSpec } from '@simpul/protocol';
import { claim } from './queue/claim.ts';
import { enqueue } from './queue/enqueue.ts';
import { addUser, fetchTask, startTestHub, type TestHub } from './testing/support.ts';
import { call, login, register } from './testing/http.ts';
import { connectRunner, runnerAuth, type RunnerClient } from './testing/sockets.ts';

type Key = keyof typeof ROUTES;
interface Ctx {
  hub: TestHub;
  admin: string;
  runner: { runner_id: string; token: string };
  socket: RunnerClient;
  runs: number;
}

// Routes not fuzzed here, and why: logout ends the session that fuzzes the rest (it takes no JSON); putBlob streams bytes.
const SKIP = new Set<Key>(['logout', 'putBlob']);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1); // < 1 for a quick local look; the suite needs 1
const RUNS_PER_ROUTE = Math.ceil(250 * SCALE);
const RUNS_PER_EVENT = Math.ceil(250 * SCALE);

/** Valid bodies to mutate: inputs near the valid ones reach deeper than random JSON. */
const SAMPLES: Partial<Record<Key, (c: Ctx) => unknown>> = {
  register: () => ({
    enrollment_key: 'not-a-key',
    name: 'n',
    protocol_version: PROTOCOL_VERSION,
    datasets: [{ name: 'd', columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }], row_count: 1 }],
  }),
  ping: (c) => ({ runner_id: c.runner.runner_id, leases: [{ task_id: 't1', lease_token: 'lease_x' }] }),
  progress: () => ({ task_id: 't1', lease_token: 'lease_x', percent: 50, message: 'm' }),
  release: () => ({ task_id: 't1', lease_token: 'lease_x' }),
  result: () => ({ task_id: 't1', lease_token: 'lease_x', status: 'succeeded', result: { rows: [] } }),
  upload: () => ({
    task_id: 't1',
    lease_token: 'lease_x',
    bytes: 1,
    sha256: 'a'.repeat(64),
    content_type: 'text/csv',
    filename: 'a.csv',
  }),
  login: () => ({ username: 'nobody-here', password: 'wrong-password' }),
  createTask: () => ({
    op: 200,
    runner_id: 'rnr_missing',
    params: {
      dataset: 'd',
      where: { and: [{ column: 'x', op: 'between', value: [1, 2] }, { not: { column: 'y', op: 'in', value: ['a'] } }] },
    },
  }),
  createToken: () => ({ name: 'n', expires_in_s: 60 }),
  createUser: () => ({ username: 'u', password: 'short', role: 'analyst' }),
  resetPassword: () => ({ password: 'x' }),
  createEnrollmentKey: () => ({ name: '', single_use: true, expires_in_s: 0 }),
  runnerAccess: () => ({ shared: false, owners: ['nobody'], allowed_users: [] }),
  createStudy: () => ({ analysis: 'summary', dataset: 'd', columns: [], require: 'all' }),
};

/** Replace the n-th node of a JSON tree (depth first) with `v`, or delete it when v is undefined. */
function mutate(value: unknown, n: number, v: unknown): unknown {
  let i = 0;
  const walk = (x: unknown): unknown => {
    if (i++ === n) return v;
    if (Array.isArray(x)) return x.map(walk).filter((e) => e !== undefined);
    if (x && typeof x === 'object')
      return Object.fromEntries(
        Object.entries(x)
          .map(([k, e]) => [k, walk(e)])
          .filter(([, e]) => e !== undefined),
      );
    return x;
  };
  return walk(value);
}

const json = fc.jsonValue({ maxDepth: 4 });
const text = fc.string({ maxLength: 40 });
const bodyOf = (c: Ctx, key: Key) => {
  const sample = SAMPLES[key];
  const arbs: fc.Arbitrary<{ body?: unknown; raw?: string }>[] = [
    json.map((v) => ({ body: v as unknown })),
    text.map((raw) => ({ raw })),
  ];
  if (sample)
    arbs.push(
      fc.tuple(fc.nat(40), fc.option(json, { nil: undefined })).map(([n, v]) => ({ body: mutate(sample(c), n, v) })),
    );
  return fc.oneof(...arbs);
};
const pathOf = (spec: RouteSpec) =>
  fc
    .array(fc.oneof(text, fc.constantFrom('t1', 'rnr_x', 'usr_x', '..', '%00', 'a'.repeat(100))), {
      minLength: 3,
      maxLength: 3,
    })
    .map((ps) => {
      let i = 0;
      return spec.path.replace(/:[a-z_]+/g, () => encodeURIComponent(ps[i++]));
    });
const queryOf = fc.dictionary(
  fc.constantFrom('runner_id', 'wait', 'limit', 'status', 'dataset', 'before', 'action', 'exp', 'sig', 'x'),
  text,
  { maxKeys: 4 },
);

const tokenFor = (c: Ctx, spec: RouteSpec) => {
  const callers = Array.isArray(spec.caller) ? spec.caller : [spec.caller];
  return callers[0] === 'runner' ? c.runner.token : c.admin;
};

let tables: string[] | undefined;
async function snapshot(hub: TestHub): Promise<string> {
  tables ??= (
    await sql<{
      name: string;
    }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'kysely_%' AND name NOT LIKE 'sqlite_%'`.execute(
      hub.db,
    )
  ).rows.map((r) => r.name);
  // One statement: each table's row count (the audit log apart: a rejected login is recorded on purpose), and every
  // row changed on this connection since it opened, less the audit lines (one insert each).
  const counts = tables.filter((t) => t !== 'audit_log').map((t) => sql`(SELECT count(*) FROM ${sql.table(t)})`);
  const r = await sql<{
    snap: string;
  }>`SELECT ${sql.join(counts, sql` || ',' || `)} || ' changes=' || (total_changes() - (SELECT count(*) FROM audit_log)) AS snap`.execute(
    hub.db,
  );
  return r.rows[0].snap;
}

const test = suite<Ctx>('fuzz', {} as Ctx);
test.before(async (c) => {
  // No rate limits: the fuzz means to reach the parsers, not the limiters (event-limits.test.ts tests those).
  c.hub = await startTestHub({
    SIMPUL_TASKS_PER_MINUTE: '0',
    SIMPUL_REAPER_INTERVAL_MS: '60000',
    SIMPUL_RUNNER_EVENT_RATE_SCALE: '0',
  });
  c.admin = (await login(c.hub.url, 'admin', 'admin-password')).token;
  await addUser(c.hub.ctx, 'ana');
  c.runner = await register(c.hub.url, 'test-enrollment-key', 'fuzzed', ['d']);
  // Some state for the fuzz to bump into: a task leased to the runner, another queued.
  await enqueue(c.hub.ctx, [fetchTask('d', { runner_id: c.runner.runner_id }), fetchTask('d')], null);
  await claim(c.hub.ctx, { id: c.runner.runner_id, datasets: [] }, 1);
  c.socket = await connectRunner(c.hub.url, runnerAuth(c.runner));
  c.runs = 0;
});
test.after(async (c) => {
  c.socket?.close();
  await c.hub?.cleanup();
});

test('every JSON endpoint: no 5xx, and a rejected request stores nothing', async (c) => {
  const s0 = await snapshot(c.hub);
  await addUser(c.hub.ctx, 'probe');
  assert.is.not(await snapshot(c.hub), s0, 'the snapshot sees a stored change');
  const failures: string[] = [];
  for (const [key, spec] of Object.entries(ROUTES) as [Key, RouteSpec][]) {
    if (SKIP.has(key)) continue;
    const takesBody = spec.method !== 'GET' && spec.body !== null;
    const arb = fc.record({ path: pathOf(spec), query: queryOf, input: takesBody ? bodyOf(c, key) : fc.constant({}) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ path, query, input }) => {
        c.runs++;
        const before = await snapshot(c.hub);
        const qs = new URLSearchParams(query).toString();
        const r = await call(c.hub.url, spec.method, qs ? `${path}?${qs}` : path, {
          token: tokenFor(c, spec),
          ...(input as object),
        });
        if (r.status >= 500)
          failures.push(
            `${spec.method} ${path}?${qs} ${JSON.stringify(input).slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`,
          );
        if (r.status >= 400) {
          const after = await snapshot(c.hub);
          if (after !== before)
            failures.push(`${spec.method} ${path} rejected (${r.status}) but changed the store: ${before} → ${after}`);
        }
        return failures.length === 0;
      }),
      { numRuns: RUNS_PER_ROUTE, seed: 20261129 + key.length },
    );
    assert.equal(failures, [], failures.join('\n'));
  }
});

test('every runner socket event: always an answer, never a crash, and a refusal stores nothing', async (c) => {
  const events = ['runner:hello', 'runner:ping', 'task:claim', 'task:progress', 'task:result', 'task:release'] as const;
  const payload = fc.oneof(
    json,
    fc.anything({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v ?? null))),
  );
  for (const event of events) {
    await fc.assert(
      fc.asyncProperty(payload, async (msg) => {
        c.runs++;
        const before = await snapshot(c.hub);
        const reply = (await (c.socket as any).timeout(10_000).emitWithAck(event, msg)) as { error?: { code: string } };
        if (reply && typeof reply === 'object' && 'error' in reply) {
          assert.ok(reply.error!.code !== 'internal', `${event} ${JSON.stringify(msg).slice(0, 200)} → internal error`);
          assert.is(await snapshot(c.hub), before, `${event} refused but changed the store`);
        }
        return true;
      }),
      { numRuns: RUNS_PER_EVENT, seed: 1129 + event.length },
    );
  }
  assert.ok(c.socket.connected, 'the socket survived');
});

test('handshakes with any auth are refused cleanly', async (c) => {
  await fc.assert(
    // Socket.IO itself drops a CONNECT whose auth is not an object before the hub sees it: objects only here.
    fc.asyncProperty(
      fc.oneof(
        fc.dictionary(text, json, { maxKeys: 4 }),
        fc.record({ token: json, runner_id: json, protocol_version: json }),
      ),
      async (auth) => {
        c.runs++;
        const ok = await connectRunner(c.hub.url, auth as Record<string, unknown>).then(
          (s) => (s.close(), 'connected'),
          (e: Error & { data?: { code: string } }) => e.data?.code ?? e.message,
        );
        assert.ok(ok === 'unauthorized' || ok === 'protocol_mismatch', String(ok));
      },
    ),
    { numRuns: Math.ceil(200 * SCALE), seed: 7 },
  );
});

test('the hub is still up, and at least 10,000 inputs were tried', async (c) => {
  assert.is((await call(c.hub.url, 'GET', '/healthz')).status, 200);
  assert.is((await call(c.hub.url, 'GET', '/api/v1/auth/me', { token: c.admin })).status, 200);
  if (SCALE >= 1) assert.ok(c.runs >= 10_000, `${c.runs} inputs`);
  console.log(`fuzz: ${c.runs} generated inputs`);
});

test.run();
