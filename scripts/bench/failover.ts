// npm run bench:failover — seconds from a runner's SIGKILL to its task running on another runner (median of 5),
// with the hub's default heartbeat and lease settings, and the number of duplicate results seen (must be 0).
import { bigCsv } from '../lib/data.ts';
import { HubProc } from '../lib/hub.ts';
import { sleep } from '../lib/procs.ts';
import { RunnerProc } from '../lib/runner.ts';
import { median, printTable, saveResults } from './report.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const big = await bigCsv();
const hub = await HubProc.start({ env: { SIMPUL_LOG_LEVEL: 'warn', SIMPUL_SITE_APPROVAL: 'auto' } });
const runners = [
  await RunnerProc.start(hub, { name: 'fo-a', datasets: [{ name: 'big', path: big }] }),
  await RunnerProc.start(hub, { name: 'fo-b', datasets: [{ name: 'big', path: big }] }),
];
const seconds: number[] = [];
const taskIds: string[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    const c = await hub.api.post('/api/v1/tasks', {
      op: 200,
      params: {
        dataset: 'big',
        where: { column: 's', op: 'contains', value: 'c' },
        order_by: [{ column: 's', direction: 'desc' }],
        limit: 3,
      },
    });
    taskIds.push(c.body.task_id);
    const running = await hub.api.waitTask(c.body.task_id, ['running']);
    const ids = await Promise.all(runners.map((r) => r.id()));
    const victim = runners[ids.indexOf(running.runner_id)];
    const t0 = performance.now();
    await victim.kill9();
    for (;;) {
      const t = await hub.api.task(c.body.task_id);
      if (t.attempt >= 2 && (t.status === 'running' || t.status === 'succeeded')) break;
      if (performance.now() - t0 > 120_000) throw new Error('the task did not move within 120 s');
      await sleep(20);
    }
    seconds.push((performance.now() - t0) / 1000);
    console.log(`  round ${i + 1}: ${seconds.at(-1)!.toFixed(2)} s`);
    await hub.api.waitTask(c.body.task_id, ['succeeded', 'failed', 'canceled'], 120_000);
    victim.launch();
    await hub.waitRunnerOnline(victim.opts.name);
  }
  let duplicates = 0;
  for (const id of taskIds) {
    const t = await hub.api.task(id);
    duplicates += Math.max(0, t.attempts.filter((a: any) => a.outcome === 'succeeded').length - 1);
  }
  const med = median(seconds);
  const rows = [
    { metric: 'SIGKILL → running elsewhere, median (s)', value: med.toFixed(2), target: '≤ 20', ok: med <= 20 },
    { metric: 'SIGKILL → running elsewhere, all (s)', value: seconds.map((s) => s.toFixed(2)).join(' ') },
    { metric: 'duplicate results', value: String(duplicates), target: '0', ok: duplicates === 0 },
  ];
  printTable('Failover (default heartbeat 5 s, lease 15 s)', rows);
  saveResults('failover', { seconds, median_s: med, duplicates });
} finally {
  for (const r of runners) await r.stop();
  await hub.stop();
}
