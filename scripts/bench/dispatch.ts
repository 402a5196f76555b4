// npm run bench:dispatch — with 1,000 simulated runners connected to one hub (SQLite), the time from `POST /api/v1/tasks`
// returning to the runner holding the task: socket push, HTTP long-poll, and plain polling every second (the naive design).
// Each task names a dataset that one runner serves; p50/p99 per run (after warm-up tasks that are not counted), the
// median of the runs is reported.
import { performance } from 'node:perf_hooks';
import { ENROLLMENT_KEY } from '../lib/hub.ts';
import { BenchHub } from './bench-hub.ts';
import { sleep } from '../lib/procs.ts';
import { registerSims, SimRunner, type SimMode } from '../lib/sim-runner.ts';
import { median, percentile, printTable, saveResults, type Row } from './report.ts';

const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SAMPLES: Record<SimMode, number> = { socket: 200, longpoll: 100, poll: 6 };
/** Tasks sent through each mode before its runs, not counted: the hub's claim and push paths compiled and warm. */
const WARMUP: Record<SimMode, number> = { socket: 100, longpoll: 50, poll: 0 }; // naive polling: 1,000 runners asking every second swamp a 2-core hub, so each sample is slow
const LABEL: Record<SimMode, string> = { socket: 'socket push', longpoll: 'HTTP long-poll', poll: 'polling every 1 s' };
const TARGET: Partial<Record<SimMode, { p50: number; p99: number }>> = { socket: { p50: 1, p99: 5 } };

interface ModeResult {
  mode: SimMode;
  runs: { p50: number; p99: number; mean: number; early: number; sentP50: number; sentP99: number }[];
  p50: number;
  p99: number;
  /** From the POST sent (the create's HTTP request and commit included) to the runner holding the task. */
  sentP50: number;
  sentP99: number;
}

const hub = await BenchHub.create('bench-dispatch-hub');
const results: ModeResult[] = [];
try {
  console.log(`registering ${RUNNERS} simulated runners…`);
  const ids = await registerSims(hub.url, ENROLLMENT_KEY, RUNNERS, (i) => [`d${i}`], 'dispatch');
  for (const mode of ['socket', 'longpoll', 'poll'] as SimMode[]) results.push(await measure(mode, ids));
} finally {
  await hub.stop();
}

const rows: Row[] = [];
for (const r of results) {
  const t = TARGET[r.mode];
  rows.push({
    metric: `${LABEL[r.mode]}: p50 (ms)`,
    value: r.p50.toFixed(2),
    target: t ? `≤ ${t.p50}` : undefined,
    ok: t ? r.p50 <= t.p50 : undefined,
  });
  rows.push({
    metric: `${LABEL[r.mode]}: p99 (ms)`,
    value: r.p99.toFixed(2),
    target: t ? `≤ ${t.p99}` : undefined,
    ok: t ? r.p99 <= t.p99 : undefined,
  });
  rows.push({
    metric: `${LABEL[r.mode]}: POST sent → held, p50 / p99 (ms)`,
    value: `${r.sentP50.toFixed(2)} / ${r.sentP99.toFixed(2)}`,
  });
}
printTable(
  `Dispatch latency, ${RUNNERS} runners connected (POST returned → runner holds the task; median of ${RUNS} runs)`,
  rows,
);
saveResults('dispatch', { runners: RUNNERS, runs: RUNS, rows, modes: results });

async function measure(mode: SimMode, ids: Awaited<ReturnType<typeof registerSims>>): Promise<ModeResult> {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const finishing = new Map<string, Promise<unknown>>();
  const sims = ids.map(
    (id) =>
      new SimRunner(id, hub.url, {
        mode,
        concurrency: 1,
        onTask: (offer, at, sim) => {
          arrivals.set(offer.task_id, at);
          waiters.get(offer.task_id)?.(at);
          finishing.set(offer.task_id, sim.finish(offer));
        },
      }),
  );
  console.log(`${LABEL[mode]}: connecting ${sims.length} runners…`);
  // In waves, as a fleet coming up would, rather than all in one instant.
  for (let i = 0; i < sims.length; i += 100) {
    const wave = sims.slice(i, i + 100);
    wave.forEach((s) => s.start());
    await Promise.all(wave.map((s) => s.whenReady()));
  }
  await sleep(2000); // let the connection burst settle
  const runs: ModeResult['runs'] = [];
  /** `n` tasks, one at a time, each to a random runner: POST returned → that runner holds it. */
  const sample = async (n: number) => {
    const lat: number[] = [];
    const fromSent: number[] = [];
    let early = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(Math.random() * sims.length);
      const sent = performance.now();
      const res = await hub.api.post('/api/v1/tasks', { op: 100, params: { dataset: `d${i}` } });
      const returned = performance.now();
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      const id: string = res.body.task_id;
      const at = arrivals.get(id) ?? (await new Promise<number>((resolve) => waiters.set(id, resolve)));
      // The push may beat the HTTP reply to the client (on SQLite a created task is leased and pushed as its
      // transaction commits, before the reply is written): that counts as zero.
      if (at < returned) early++;
      lat.push(Math.max(0, at - returned));
      fromSent.push(at - sent);
      await finishing.get(id);
      waiters.delete(id);
      arrivals.delete(id);
      finishing.delete(id);
    }
    return { lat, early, fromSent };
  };
  try {
    await sample(WARMUP[mode]);
    for (let run = 0; run < RUNS; run++) {
      const { lat, early, fromSent } = await sample(SAMPLES[mode]);
      const r = {
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        mean: lat.reduce((a, b) => a + b, 0) / lat.length,
        early,
        sentP50: percentile(fromSent, 50),
        sentP99: percentile(fromSent, 99),
      };
      runs.push(r);
      console.log(
        `  run ${run + 1}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, mean ${r.mean.toFixed(2)} ms (${lat.length} tasks, ${early} arrived before the reply); POST sent → held p50 ${r.sentP50.toFixed(2)} ms, p99 ${r.sentP99.toFixed(2)} ms`,
      );
    }
  } finally {
    const errors = sims.reduce((n, s) => n + s.errors, 0);
    if (errors) console.log(`  runner-side errors: ${errors} (last: ${sims.find((s) => s.lastError)?.lastError})`);
    sims.forEach((s) => s.stop());
  }
  await sleep(1000);
  return {
    mode,
    runs,
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    sentP50: median(runs.map((r) => r.sentP50)),
    sentP99: median(runs.map((r) => r.sentP99)),
  };
}
