// Health, readiness, request ids and Prometheus metrics of a real hub over real HTTP and sockets (SQLite and PostgreSQL).
import { sql } from 'kysely';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROTOCOL_VERSION, type ClaimReply } from '@simpul/protocol';
import { call, login, register } from '../testing/http.ts';
import { connectRunner, runnerAuth } from '../testing/sockets.ts';
import { DIALECTS, startTestHub, waitFor, type TestHub } from '../testing/support.ts';
import { isLoopback } from './loopback.ts';

const KEY = 'test-enrollment-key';

/** `name{labels} value` lines of the Prometheus text, as a lookup by series. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(hub: TestHub, token?: string): Promise<Map<string, number>> {
  const r = await call<string>(hub.url, 'GET', '/metrics', { token });
  assert.is(r.status, 200, String(r.body).slice(0, 300));
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return series(r.body);
}

test('isLoopback knows this machine from others', () => {
  for (const a of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '192.0.2.7', '::ffff:192.0.2.7', 'fe80::1', '', undefined])
    assert.not.ok(isLoopback(a), String(a));
});

for (const dialect of DIALECTS) {
  test(`${dialect}: a task's life shows in the metrics, labelled by route pattern, and its request id reaches the runner`, async () => {
    const hub = await startTestHub({ SIMPUL_HEARTBEAT_S: '1' }, dialect);
    try {
      const admin = await login(hub.url, 'admin', 'admin-password');
      const reg = await register(hub.url, KEY, 'metrics-runner', ['d1']);
      const created = await call(hub.url, 'POST', '/api/v1/tasks', {
        token: admin.token,
        body: { op: 100, params: { dataset: 'd1' } },
        headers: { 'x-request-id': 'req-metrics-0001' },
      });
      assert.is(created.status, 201, JSON.stringify(created.body));
      assert.is(created.headers.get('x-request-id'), 'req-metrics-0001', 'the request id is echoed');
      const taskId: string = created.body.task_id;

      const claimed = await call<ClaimReply>(hub.url, 'GET', `/api/v1/tasks?runner_id=${reg.runner_id}&wait=10`, {
        token: reg.token,
      });
      assert.is(claimed.body.tasks.length, 1);
      const offer = claimed.body.tasks[0];
      assert.is(offer.request_id, 'req-metrics-0001', 'the offer carries the request id that created the task');
      assert.is(
        (
          await call(hub.url, 'POST', '/api/v1/progress', {
            token: reg.token,
            body: { task_id: taskId, lease_token: offer.lease_token, percent: 50 },
          })
        ).status,
        200,
      );
      const result = { columns: [{ name: 'x', type: 'BIGINT', kind: 'number' }], rows: [[1]], total_rows: 1 };
      assert.is(
        (
          await call(hub.url, 'POST', '/api/v1/result', {
            token: reg.token,
            body: { task_id: taskId, lease_token: offer.lease_token, status: 'succeeded', result },
          })
        ).status,
        200,
      );
      assert.is((await call(hub.url, 'GET', `/api/v1/tasks/${taskId}`, { token: admin.token })).status, 200);

      const m = await scrape(hub);
      assert.is(m.get('simpul_task_claims_total'), 1);
      assert.is(m.get('simpul_task_dispatch_seconds_count'), 1);
      assert.is(m.get('simpul_task_duration_seconds_count{op="100",status="succeeded"}'), 1);
      assert.is(m.get('simpul_tasks{state="succeeded"}'), 1);
      assert.is(m.get('simpul_tasks{state="queued"}'), 0);
      assert.is(m.get('simpul_runners_connected{transport="polling"}'), 1);
      assert.is(m.get('simpul_runners_connected{transport="websocket"}'), 0);
      assert.is(
        m.get('simpul_http_request_duration_seconds_count{method="GET",route="/api/v1/tasks/:task_id",status="200"}'),
        1,
      );
      assert.is(
        m.get('simpul_http_request_duration_seconds_count{method="POST",route="/api/v1/tasks",status="201"}'),
        1,
      );
      assert.ok(![...m.keys()].some((k) => k.includes(taskId)), 'no raw paths (task ids) in labels');
      assert.ok(m.has('process_cpu_user_seconds_total'), 'process metrics too');
    } finally {
      await hub.cleanup();
    }
  });
}

test('socket events are counted per namespace and event', async () => {
  const hub = await startTestHub();
  try {
    const reg = await register(hub.url, KEY, 'socket-runner', ['d1']);
    const socket = await connectRunner(hub.url, runnerAuth(reg));
    try {
      await socket
        .timeout(10_000)
        .emitWithAck('runner:hello', { runner_id: reg.runner_id, leases: [], protocol_version: PROTOCOL_VERSION });
      const m = await scrape(hub);
      assert.is(m.get('simpul_socket_events_total{namespace="/runner",event="connect",direction="in"}'), 1);
      assert.is(m.get('simpul_socket_events_total{namespace="/runner",event="runner:hello",direction="in"}'), 1);
      assert.is(m.get('simpul_runners_connected{transport="websocket"}'), 1);
    } finally {
      socket.close();
    }
    await waitFor(
      'the disconnect to be counted',
      async () =>
        (await scrape(hub)).get('simpul_socket_events_total{namespace="/runner",event="disconnect",direction="in"}') ===
        1,
    );
  } finally {
    await hub.cleanup();
  }
});

test('a lease that runs out counts as an expiry and a retry', async () => {
  const hub = await startTestHub({ SIMPUL_LEASE_TTL_S: '0.3', SIMPUL_BACKOFF_BASE_MS: '60000' });
  try {
    const admin = await login(hub.url, 'admin', 'admin-password');
    const reg = await register(hub.url, KEY, 'vanishing-runner', ['d1']);
    await call(hub.url, 'POST', '/api/v1/tasks', { token: admin.token, body: { op: 100, params: { dataset: 'd1' } } });
    const claimed = await call<ClaimReply>(hub.url, 'GET', `/api/v1/tasks?runner_id=${reg.runner_id}&wait=10`, {
      token: reg.token,
    });
    assert.is(claimed.body.tasks.length, 1);
    // No heartbeat: the reaper expires the lease and queues the task again (after a long backoff).
    const m = await waitFor('the lease to expire', async () => {
      const s = await scrape(hub);
      return s.get('simpul_task_retries_total') === 1 ? s : undefined;
    });
    assert.is(m.get('simpul_lease_expiries_total{then="requeued"}'), 1);
    assert.is(m.get('simpul_lease_expiries_total{then="failed"}'), 0);
    assert.is(m.get('simpul_tasks{state="queued"}'), 1);
  } finally {
    await hub.cleanup();
  }
});

test('with SIMPUL_METRICS_TOKEN, /metrics needs that bearer token', async () => {
  const token = 'metrics-token-0123456789';
  const hub = await startTestHub({ SIMPUL_METRICS_TOKEN: token });
  try {
    const none = await call(hub.url, 'GET', '/metrics');
    assert.is(none.status, 401);
    assert.is(none.body.error.code, 'unauthorized');
    assert.match(none.body.error.message, /SIMPUL_METRICS_TOKEN/);
    assert.is((await call(hub.url, 'GET', '/metrics', { token: 'metrics-token-wrong-000' })).status, 401);
    assert.ok((await scrape(hub, token)).has('simpul_task_claims_total'));
  } finally {
    await hub.cleanup();
  }
});

test('request ids: a sensible one is kept, an unusable one is replaced, none gets one minted', async () => {
  const hub = await startTestHub();
  try {
    const kept = await fetch(`${hub.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a:trace.42' } });
    assert.is(kept.headers.get('x-request-id'), 'lb-7f3a:trace.42');
    const bad = await fetch(`${hub.url}/healthz`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    assert.match(bad.headers.get('x-request-id') ?? '', /^req_[A-Za-z0-9_-]{16}$/);
    const a = await fetch(`${hub.url}/api/v1/nothing-here`);
    const b = await fetch(`${hub.url}/api/v1/nothing-here`);
    assert.is(a.status, 404);
    assert.match(a.headers.get('x-request-id') ?? '', /^req_/);
    assert.is.not(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  } finally {
    await hub.cleanup();
  }
});

test('/healthz answers; /readyz says ready, then 503 naming a missing migration, then 503 when the database is gone', async () => {
  const hub = await startTestHub();
  try {
    const health = await call(hub.url, 'GET', '/healthz');
    assert.is(health.status, 200);
    assert.is(health.body.status, 'ok');
    assert.is(health.body.protocol_version, PROTOCOL_VERSION);

    const ready = await call(hub.url, 'GET', '/readyz');
    assert.is(ready.status, 200);
    assert.is(ready.body.status, 'ready');
    assert.equal(
      ready.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]),
      [
        ['database', true],
        ['migrations', true],
      ],
    );

    await sql`delete from kysely_migration where name = '0800_ops_request_id'`.execute(hub.db);
    const behind = await call(hub.url, 'GET', '/readyz');
    assert.is(behind.status, 503);
    assert.is(behind.body.status, 'not_ready');
    assert.match(behind.body.checks[1].message, /migrations not applied: 0800_ops_request_id/);

    await hub.db.destroy();
    const gone = await call(hub.url, 'GET', '/readyz');
    assert.is(gone.status, 503);
    assert.is(gone.body.checks[0].ok, false);
    assert.match(gone.body.checks[0].message, /the database does not answer/);
    assert.is((await call(hub.url, 'GET', '/healthz')).status, 200, 'the process is still up');
  } finally {
    await hub.cleanup();
  }
});

test.run();
