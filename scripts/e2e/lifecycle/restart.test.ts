// Restarts and shutdowns: hub SIGKILL mid-task, runner SIGTERM drain, hub SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../../lib/data.ts';
import { HubProc } from '../../lib/hub.ts';
import { HeldTable } from '../../lib/pg-held.ts';
import { RunnerProc } from '../../lib/runner.ts';

// A task on a table the test locks runs until the test lets go (pg-held.ts): mid-task is mid-task on any machine.
const slow = { op: 200, params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 3 } };
let held: HeldTable;
test.before(async () => {
  held = await HeldTable.create('simpul_restart');
});
test.after(async () => {
  await held?.drop();
});

test('hub SIGKILLed mid-task and restarted: the task completes, nothing is lost', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, {
    name: 'survivor',
    datasets: [held.dataset(), { name: 'patients', path: PATIENTS_CSV }],
  });
  const lock = await held.hold();
  try {
    const done = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 2 } });
    await hub.api.waitTask(done.body.task_id);
    const c = await hub.api.post('/api/v1/tasks', slow);
    await hub.api.waitTask(c.body.task_id, ['running']);
    await lock.blocked();
    await hub.kill9();
    await hub.launch();
    await lock.release(); // the task finishes after the hub is back
    const t = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 90_000);
    assert.is(t.status, 'succeeded', JSON.stringify(t.error));
    assert.is(t.attempts.filter((a: any) => a.outcome === 'succeeded').length, 1);
    // The result stored before the crash is still there.
    const old = await hub.api.get(`/api/v1/result/${done.body.task_id}`);
    assert.is(old.body.status, 'succeeded');
    assert.is(old.body.result.rows.length, 2);
  } finally {
    await lock.release();
    await runner.stop();
    await hub.stop();
  }
});

test('runner SIGTERM: stops claiming, finishes its running task, exits 0', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, { name: 'drainer', datasets: [held.dataset()] });
  const lock = await held.hold();
  try {
    const c = await hub.api.post('/api/v1/tasks', slow);
    await hub.api.waitTask(c.body.task_id, ['running']);
    await lock.blocked();
    runner.proc.signal('SIGTERM');
    await runner.proc.waitLog(/shutting down: finishing running tasks/, 10_000);
    // The task is still running when the runner is told to stop; it is let go now and finishes within the drain.
    await lock.release();
    const code = await runner.proc.exited;
    assert.is(code, 0);
    const t = await hub.api.task(c.body.task_id);
    assert.is(t.status, 'succeeded', 'the running task finished before the runner exited');
    assert.is(t.attempts.length, 1);
    // A task created after the drain is not taken by the stopped runner.
    const later = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'held', limit: 1 } });
    const view = await hub.api.task(later.body.task_id);
    assert.is(view.status, 'queued');
  } finally {
    await lock.release();
    await runner.stop();
    await hub.stop();
  }
});

test('hub SIGTERM: exits 0, answers long-polls, and runners carry on after it comes back', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, {
    name: 'poller',
    transport: 'polling',
    datasets: [{ name: 'patients', path: PATIENTS_CSV }],
  });
  try {
    hub.proc.signal('SIGTERM');
    const code = await hub.proc.exited;
    assert.is(code, 0);
    await hub.launch();
    const c = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 1 } });
    const t = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed'], 60_000);
    assert.is(t.status, 'succeeded');
  } finally {
    await runner.stop();
    await hub.stop();
  }
});

test.run();
