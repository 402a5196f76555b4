// Several hub processes on one PostgreSQL: pushes, cancels and web updates cross hubs; reapers on every hub expire
// each lease exactly once; a killed hub's runner moves to another hub and every task completes once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { io } from 'socket.io-client';
import { TaskView, WEB_NAMESPACE } from '@simpul/protocol';
import { PATIENTS_CSV } from '../lib/data.ts';
import { ENROLLMENT_KEY } from '../lib/hub.ts';
import { HubCluster } from '../lib/hub-cluster.ts';
import { sleep, waitFor } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';
import { registerSims, SimRunner } from '../lib/sim-runner.ts';

test('a task created through hub A is pushed at once to a runner on hub B; a cancel through A reaches it too', async () => {
  // No periodic dispatch (slow reaper tick) and no heartbeats from the runner: only the relay can bring the task.
  const cluster = await HubCluster.start(2, { SIMPUL_REAPER_INTERVAL_MS: '120000', SIMPUL_HEARTBEAT_S: '60' });
  const [a, b] = cluster.hubs;
  const [id] = await registerSims(b.url, ENROLLMENT_KEY, 1, () => ['cross'], 'cross');
  const held: string[] = [];
  const sim = new SimRunner(id, b.url, { heartbeat: false, onTask: (offer) => void held.push(offer.task_id) });
  try {
    sim.start();
    await sim.whenReady();
    const c = await a.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'cross' } });
    assert.is(c.status, 201);
    await waitFor(
      () => held.includes(c.body.task_id),
      'the runner on hub B to be offered the task created on hub A',
      20_000,
    );
    const seen = await b.api.task(c.body.task_id);
    assert.is(seen.status, 'leased');
    assert.is(seen.runner_id, id.runner_id);

    const cancel = await a.api.post(`/api/v1/tasks/${c.body.task_id}/cancel`);
    assert.is(cancel.body.status, 'leased');
    await waitFor(() => sim.cancels.includes(c.body.task_id), 'the cancel to reach the runner on hub B', 20_000);
  } finally {
    sim.stop();
    await cluster.stop();
  }
});

test('web updates of work done on hub A reach a browser connected to hub B', async () => {
  const cluster = await HubCluster.start(2);
  const [a, b] = cluster.hubs;
  const [id] = await registerSims(a.url, ENROLLMENT_KEY, 1, () => ['webrelay'], 'webrelay');
  const sim = new SimRunner(id, a.url);
  const web = io(b.url + WEB_NAMESPACE, {
    transports: ['websocket'],
    auth: { token: b.api.token },
    reconnection: false,
  });
  const updates: TaskView[] = [];
  web.on('task:update', (t: unknown) => {
    const v = TaskView.safeParse(t);
    if (v.success) updates.push(v.data);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      web.once('connect', () => resolve());
      web.once('connect_error', reject);
    });
    sim.start();
    await sim.whenReady();
    // Hub A learns that hub B has a listener through the relay; until then its updates go nowhere, so keep creating.
    const created: string[] = [];
    const done = await waitFor(
      async () => {
        const c = await a.api.post('/api/v1/tasks', { op: 100, params: { dataset: 'webrelay' } });
        created.push(c.body.task_id);
        await sleep(300);
        return updates.find((u) => created.includes(u.task_id) && u.status === 'succeeded');
      },
      'a succeeded task:update from hub A on hub B',
      30_000,
    );
    assert.is(done.runner_id, id.runner_id);
  } finally {
    web.close();
    sim.stop();
    await cluster.stop();
  }
});

test('reapers on three hubs at once expire each lease exactly once', async () => {
  const cluster = await HubCluster.start(3, {
    SIMPUL_REAPER_INTERVAL_MS: '50',
    SIMPUL_LEASE_TTL_S: '0.3',
    SIMPUL_BACKOFF_BASE_MS: '0',
  });
  const hubs = cluster.hubs;
  try {
    const batch = Array.from({ length: 40 }, () => ({ op: 100, params: { dataset: 'doomed' }, max_attempts: 3 }));
    const c = await hubs[0].api.post('/api/v1/tasks', batch);
    assert.is(c.status, 201);
    const ids: string[] = c.body.tasks.map((t: { task_id: string }) => t.task_id);
    // A runner that claims through every hub in turn and never renews a lease: each claim is lost to the reapers.
    const [greedy] = await registerSims(hubs[1].url, ENROLLMENT_KEY, 1, () => ['doomed'], 'greedy');
    let round = 0;
    await waitFor(
      async () => {
        const hub = hubs[round++ % hubs.length];
        await fetch(`${hub.url}/api/v1/tasks?runner_id=${greedy.runner_id}&wait=0&limit=50`, {
          headers: { authorization: `Bearer ${greedy.token}` },
        });
        const failed = await hubs[2].api.get('/api/v1/tasks?status=failed&dataset=doomed&limit=500');
        return failed.body.tasks.length === ids.length;
      },
      'every task to fail after its attempts',
      90_000,
      20,
    );
    for (const id of ids) {
      const t = await hubs[round++ % hubs.length].api.task(id);
      assert.is(t.status, 'failed');
      assert.is(t.error.code, 'lost');
      assert.is(t.attempt, 3, `task ${id} attempt`);
      assert.equal(
        t.attempts.map((x: { attempt: number; outcome: string }) => `${x.attempt}:${x.outcome}`),
        ['1:lost', '2:lost', '3:lost'],
        `task ${id} attempts`,
      );
    }
  } finally {
    await cluster.stop();
  }
});

test('killing a hub moves its runner to another hub; every task completes exactly once', async () => {
  const cluster = await HubCluster.start(2);
  const [a, b] = cluster.hubs;
  const runner = await RunnerProc.start(a, {
    name: 'mover',
    datasets: [{ name: 'patients', path: PATIENTS_CSV }],
    config: { hubs: [a.url, b.url], concurrency: 4 },
  });
  try {
    const batch = Array.from({ length: 300 }, () => ({ op: 100, params: { dataset: 'patients', limit: 2 } }));
    const c = await a.api.post('/api/v1/tasks', batch);
    assert.is(c.status, 201);
    const ids: string[] = c.body.tasks.map((t: { task_id: string }) => t.task_id);
    // Kill hub A while the work is under way.
    await waitFor(
      async () => (await a.api.get('/api/v1/tasks?status=succeeded&limit=500')).body.tasks.length >= 10,
      'some tasks done on hub A',
    );
    await a.kill9();
    await waitFor(
      async () => (await b.runners()).find((r) => r.name === 'mover' && r.online && r.transport === 'websocket'),
      'the runner to reach hub B',
      60_000,
    );
    await waitFor(
      async () => (await b.api.get('/api/v1/tasks?status=succeeded&limit=500')).body.tasks.length === ids.length,
      'every task to succeed',
      120_000,
      200,
    );
    for (const id of ids) {
      const t = await b.api.task(id);
      assert.is(t.status, 'succeeded');
      assert.is(
        t.attempts.filter((x: { outcome: string }) => x.outcome === 'succeeded').length,
        1,
        `task ${id} succeeded once`,
      );
    }
    assert.match(runner.proc.logs, /moving to the next one/);
  } finally {
    await runner.stop();
    await cluster.stop();
  }
});

test.run();
