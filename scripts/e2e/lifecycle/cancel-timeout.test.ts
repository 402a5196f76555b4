// Cancel in every state, timeouts, and heartbeats that keep flowing while a heavy query runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigCsv, PATIENTS_CSV } from '../../lib/data.ts';
import { HubProc } from '../../lib/hub.ts';
import { HeldTable } from '../../lib/pg-held.ts';
import { sleep } from '../../lib/procs.ts';
import { RunnerProc } from '../../lib/runner.ts';

// A task on the held table runs for as long as the test holds its lock, however fast the machine (pg-held.ts).
const slow = (extra: Record<string, unknown> = {}) => ({
  op: 200,
  params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 5 },
  ...extra,
});
let hub: HubProc;
let runner: RunnerProc;
let held: HeldTable;
let lock: Awaited<ReturnType<HeldTable['hold']>>;

test.before(async () => {
  hub = await HubProc.start({ env: { SIMPUL_HEARTBEAT_S: '1', SIMPUL_LEASE_TTL_S: '4' } });
  held = await HeldTable.create('simpul_cancel');
  runner = await RunnerProc.start(hub, {
    name: 'worker',
    datasets: [{ name: 'big', path: await bigCsv() }, { name: 'patients', path: PATIENTS_CSV }, held.dataset()],
  });
});
test.before.each(async () => {
  lock = await held.hold();
});
test.after.each(async () => {
  await lock.release();
});
test.after(async () => {
  runner?.proc.signal('SIGCONT');
  await runner?.stop();
  await hub?.stop();
  await held?.drop();
});

test('cancel while queued: canceled at once, never runs', async () => {
  const c = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'nobody-has-this' } });
  assert.is(c.body.status, 'queued');
  const x = await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
  assert.is(x.status, 200);
  assert.is(x.body.status, 'canceled');
  const again = await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
  assert.is(again.status, 409);
  assert.is(again.body.error.code, 'conflict');
});

test('cancel while running: the runner aborts the query and reports canceled', async () => {
  const c = await hub.api.post('/api/v1/tasks', slow());
  await hub.api.waitTask(c.body.task_id, ['running']);
  const x = await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
  assert.is(x.status, 200);
  const t = await hub.api.waitTask(c.body.task_id, ['canceled', 'succeeded', 'failed'], 30_000);
  assert.is(t.status, 'canceled');
  assert.is(t.attempts.at(-1).outcome, 'canceled');
  // The runner is free again: a small task runs straight after.
  const n = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 1 } });
  assert.is((await hub.api.waitTask(n.body.task_id)).status, 'succeeded');
});

test('cancel while leased (before the runner reports progress) ends canceled, not retried', async () => {
  const c = await hub.api.post('/api/v1/tasks', slow());
  const leased = await hub.api.waitTask(c.body.task_id, ['leased', 'running']);
  assert.ok(['leased', 'running'].includes(leased.status));
  await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
  const t = await hub.api.waitTask(c.body.task_id, ['canceled', 'succeeded', 'failed'], 30_000);
  assert.is(t.status, 'canceled');
  assert.is(t.attempt, 1);
});

test('cancel while the runner is unreachable: canceled when its lease runs out, never retried', async () => {
  const c = await hub.api.post('/api/v1/tasks', slow());
  await hub.api.waitTask(c.body.task_id, ['running']);
  runner.proc.signal('SIGSTOP');
  try {
    const x = await hub.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
    assert.is(x.status, 200);
    const t = await hub.api.waitTask(c.body.task_id, ['canceled', 'succeeded', 'failed', 'queued'], 30_000);
    assert.is(t.status, 'canceled');
    assert.is(t.attempt, 1);
  } finally {
    runner.proc.signal('SIGCONT');
  }
  await sleep(1500);
  const t = await hub.api.task(c.body.task_id);
  assert.is(t.status, 'canceled', 'a canceled task stays canceled after the runner comes back');
  await hub.waitRunnerOnline('worker');
});

test('a task past its timeout fails with reason timeout', async () => {
  const c = await hub.api.post('/api/v1/tasks', slow({ timeout_s: 1 }));
  const t = await hub.api.waitTask(c.body.task_id, ['failed', 'succeeded', 'canceled'], 30_000);
  assert.is(t.status, 'failed');
  assert.is(t.error.code, 'timeout');
  assert.is(t.attempt, 1, 'a timed-out task is not retried');
});

test('heartbeats keep arriving while a heavy query runs', async () => {
  // Describe three million CSV rows: scans for statistics (distinct counts of three million ids and texts), histograms
  // and the most frequent texts; about 3 s on an idle two-core machine, with heartbeats every second.
  const c = await hub.api.post('/api/v1/tasks', { op: 300, params: { dataset: 'big', analysis: 'describe' } });
  await hub.api.waitTask(c.body.task_id, ['running']);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const me = (await hub.runners()).find((r) => r.name === 'worker');
    seen.add(me.last_seen);
    const t = await hub.api.task(c.body.task_id);
    if (t.status !== 'running') break;
    await sleep(700);
  }
  assert.ok(seen.size >= 2, `last_seen should move while the task runs (saw ${[...seen].join(', ')})`);
  const t = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 60_000);
  assert.is(t.status, 'succeeded');
  assert.is(t.attempt, 1, 'the lease was never lost during the heavy query');
});

test.run();
