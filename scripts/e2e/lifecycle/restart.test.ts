// Restarts and shutdowns: hub SIGKILL mid-task, runner SIGTERM drain, hub SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigCsv, PATIENTS_CSV } from '../../lib/data.ts';
import { HubProc } from '../../lib/hub.ts';
import { RunnerProc } from '../../lib/runner.ts';

const slow = { op: 200, params: { dataset: 'big', where: { column: 's', op: 'starts_with', value: 'a' }, order_by: [{ column: 's', direction: 'desc' }], limit: 3 } };

test('hub SIGKILLed mid-task and restarted: the task completes, nothing is lost', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, { name: 'survivor', datasets: [{ name: 'big', path: await bigCsv() }, { name: 'patients', path: PATIENTS_CSV }] });
  try {
    const done = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'patients', limit: 2 } });
    await hub.api.waitTask(done.body.task_id);
    const c = await hub.api.post('/api/v1/tasks', slow);
    await hub.api.waitTask(c.body.task_id, ['running']);
    await hub.kill9();
    await hub.launch();
    const t = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 90_000);
    assert.is(t.status, 'succeeded', JSON.stringify(t.error));
    assert.is(t.attempts.filter((a: any) => a.outcome === 'succeeded').length, 1);
    // The result stored before the crash is still there.
    const old = await hub.api.get(`/api/v1/result/${done.body.task_id}`);
    assert.is(old.body.status, 'succeeded');
    assert.is(old.body.result.rows.length, 2);
  } finally {
    await runner.stop();
    await hub.stop();
  }
});

test('runner SIGTERM: stops claiming, finishes its running task, exits 0', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, { name: 'drainer', datasets: [{ name: 'big', path: await bigCsv() }] });
  try {
    const c = await hub.api.post('/api/v1/tasks', slow);
    await hub.api.waitTask(c.body.task_id, ['running']);
    runner.proc.signal('SIGTERM');
    const code = await runner.proc.exited;
    assert.is(code, 0);
    const t = await hub.api.task(c.body.task_id);
    // Either it finished before exit, or it was handed back to the queue at once for another runner.
    assert.ok(t.status === 'succeeded' || t.status === 'queued', `status after drain: ${t.status}`);
    if (t.status === 'queued') assert.is(t.attempts.at(-1).outcome, 'released');
    // A task created after the drain is not taken by the stopped runner.
    const later = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'big', limit: 1 } });
    const view = await hub.api.task(later.body.task_id);
    assert.is(view.status, 'queued');
  } finally {
    await runner.stop();
    await hub.stop();
  }
});

test('hub SIGTERM: exits 0, answers long-polls, and runners carry on after it comes back', async () => {
  const hub = await HubProc.start();
  const runner = await RunnerProc.start(hub, { name: 'poller', transport: 'polling', datasets: [{ name: 'patients', path: PATIENTS_CSV }] });
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
