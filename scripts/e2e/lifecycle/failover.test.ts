// Runner death mid-task: SIGKILL moves the task to another runner; SIGSTOP past the lease fences the late runner out.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HubProc } from '../../lib/hub.ts';
import { HeldTable } from '../../lib/pg-held.ts';
import { waitFor } from '../../lib/procs.ts';
import { RunnerProc } from '../../lib/runner.ts';

// A filter on a table the test locks: its query waits inside PostgreSQL until the test lets go, so the task is still
// running when its runner is killed or frozen, however fast the machine (pg-held.ts).
const slowTask = { op: 200, params: { dataset: 'held', where: { column: 'n', op: '>', value: 7 }, limit: 5 } };

const kill = suite('SIGKILL a runner mid-task');
let hub: HubProc;
let held: HeldTable;
const runners: RunnerProc[] = [];

kill.before(async () => {
  held = await HeldTable.create('simpul_failover');
  hub = await HubProc.start({ env: { SIMPUL_SITE_APPROVAL: 'auto' } }); // either runner may take the work
  for (const name of ['a', 'b'])
    runners.push(await RunnerProc.start(hub, { name: `kill-${name}`, datasets: [held.dataset()] }));
});
kill.after(async () => {
  for (const r of runners) await r.stop();
  await hub?.stop();
});

kill('another runner finishes the task, on attempt 2, with one stored result', async () => {
  const lock = await held.hold();
  const c = await hub.api.post('/api/v1/tasks', slowTask);
  assert.is(c.status, 201);
  const running = await hub.api.waitTask(c.body.task_id, ['running', 'succeeded']);
  assert.is(running.status, 'running', 'the task should still be running when its runner is killed');
  await lock.blocked();
  let victim: RunnerProc | undefined;
  for (const r of runners) if ((await r.id()) === running.runner_id) victim = r;
  assert.ok(victim, 'one of the runners holds the task');
  const victimId = await victim!.id();
  await victim!.kill9();
  // Attempt 2 is leased to the other runner once the lease runs out; then the table is let go.
  await waitFor(
    async () => (await hub.api.task(c.body.task_id)).attempt === 2,
    'the task to be leased again',
    60_000,
    100,
  );
  await lock.release();

  const done = await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 90_000);
  assert.is(done.status, 'succeeded', JSON.stringify(done.error));
  assert.is(done.attempt, 2);
  assert.is.not(done.runner_id, victimId);
  assert.is(done.attempts.length, 2);
  assert.is(done.attempts[0].runner_id, victimId);
  assert.is(done.attempts[0].outcome, 'lost');
  assert.is(done.attempts[1].outcome, 'succeeded');
  assert.is(done.attempts.filter((a: any) => a.outcome === 'succeeded').length, 1);
  const r = await hub.api.get(`/api/v1/result/${c.body.task_id}`);
  assert.is(r.body.result.rows.length, 5);
});

kill.run();

const stop = suite('SIGSTOP a runner past its lease, then SIGCONT');
let hub2: HubProc;
let frozen: RunnerProc;
let rescuer: RunnerProc | undefined;

stop.before(async () => {
  hub2 = await HubProc.start({
    env: { SIMPUL_HEARTBEAT_S: '1', SIMPUL_LEASE_TTL_S: '3', SIMPUL_SITE_APPROVAL: 'auto' },
  });
  frozen = await RunnerProc.start(hub2, { name: 'frozen', datasets: [held.dataset()] });
});
stop.after(async () => {
  frozen?.proc.signal('SIGCONT');
  await frozen?.stop();
  await rescuer?.stop();
  await hub2?.stop();
  await held?.drop();
});

stop("the late runner is fenced out and the other runner's result stands", async () => {
  const lock = await held.hold();
  const c = await hub2.api.post('/api/v1/tasks', slowTask);
  const running = await hub2.api.waitTask(c.body.task_id, ['running', 'succeeded']);
  assert.is(running.status, 'running');
  await lock.blocked();
  const frozenId = await frozen.id();
  assert.is(running.runner_id, frozenId);
  frozen.proc.signal('SIGSTOP');
  // Its lease runs out while it is frozen; the task goes back to the queue.
  await waitFor(
    async () =>
      (await hub2.api.task(c.body.task_id)).status === 'queued' || (await hub2.api.task(c.body.task_id)).attempt > 1,
    'the lease to expire',
    30_000,
    100,
  );
  // Let go of the table (a runner opening it counts its rows, which the lock would hold up too), then bring a rescuer.
  await lock.release();
  rescuer = await RunnerProc.start(hub2, { name: 'rescuer', datasets: [held.dataset()] });
  const done = await hub2.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 90_000);
  assert.is(done.status, 'succeeded');
  assert.is(done.runner_id, await rescuer.id());
  frozen.proc.signal('SIGCONT');
  // The thawed runner learns that the task is no longer its own (drop, or 409 stale_lease on its late result).
  await frozen.proc.waitLog(/stale_lease|drop/, 30_000);
  const after = await hub2.api.task(c.body.task_id);
  assert.is(after.status, 'succeeded');
  assert.is(after.runner_id, await rescuer.id());
  assert.is(after.attempts.filter((a: any) => a.outcome === 'succeeded').length, 1);
  assert.is(after.attempts[0].runner_id, frozenId);
  assert.is.not(after.attempts[0].outcome, 'succeeded');
});

stop.run();
