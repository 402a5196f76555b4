// 1,000 tasks across 5 runners, one killed midway: every task succeeds exactly once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PATIENTS_CSV } from '../../lib/data.ts';
import { HubProc } from '../../lib/hub.ts';
import { waitFor } from '../../lib/procs.ts';
import { RunnerProc } from '../../lib/runner.ts';

test('1,000 tasks, 5 runners, one SIGKILLed midway', async () => {
  const hub = await HubProc.start({ env: { SIMPUL_LOG_LEVEL: 'warn', SIMPUL_SITE_APPROVAL: 'auto' } });
  const runners: RunnerProc[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      runners.push(
        await RunnerProc.start(hub, {
          name: `load-${i}`,
          datasets: [{ name: 'patients', path: PATIENTS_CSV }],
          config: { concurrency: 4 },
          env: { SIMPUL_LOG_LEVEL: 'warn' },
        }),
      );
    }
    const body = Array.from({ length: 1000 }, (_, i) => ({
      op: 100,
      params: { dataset: 'patients', limit: 1, offset: i },
    }));
    const c = await hub.api.post('/api/v1/tasks', body);
    assert.is(c.status, 201, JSON.stringify(c.body).slice(0, 500));
    const ids: string[] = c.body.tasks.map((t: any) => t.task_id);
    assert.is(new Set(ids).size, 1000);

    const succeeded = async () => (await hub.api.get('/api/v1/tasks?status=succeeded&limit=500')).body.tasks.length;
    await waitFor(async () => (await succeeded()) >= 200, '200 tasks to succeed', 120_000, 100);
    await runners[2].kill9();

    for (const id of ids) {
      const t = await hub.api.waitTask(id, ['succeeded', 'failed', 'canceled'], 180_000);
      assert.is(t.status, 'succeeded', `${id}: ${JSON.stringify(t.error)}`);
      assert.is(t.attempts.filter((a: any) => a.outcome === 'succeeded').length, 1, `${id} succeeded once`);
      const r = await hub.api.get(`/api/v1/result/${id}`);
      const offset = Number(t.params.offset);
      assert.is(r.body.result.offset, offset);
      assert.is(r.body.result.rows.length, 1);
    }
  } finally {
    for (const r of runners) await r.stop();
    await hub.stop();
  }
});

test.run();
