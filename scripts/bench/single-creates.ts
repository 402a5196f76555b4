// npm run bench:creates — `POST /api/v1/tasks` of ONE task per request from 16 concurrent clients (each sends its next
// request when its last one is answered) to one hub (SQLite), while 4 simulated runners (socket, 8 slots each) take the
// tasks and answer them at once, so the queue stays short as it would in use. Creates/s = requests ÷ seconds from the
// first request to the last reply; latency per request as a client sees it. The clients are plain node:http requests
// over kept-alive connections (lean-client.ts): they share the 2 cores with the hub, and with fetch the clients and the
// simulated runners took ~515 µs of CPU a create (~140 µs with these), leaving the hub less than its core. The clients log in as the admin (an
// analyst's per-minute task limit would refuse most of them). BENCH_PROFILE=DIR writes the hub's CPU profile.
import { performance } from 'node:perf_hooks';
import { sleep } from '../lib/procs.ts';
import { registerSims, SimRunner } from '../lib/sim-runner.ts';
import { BenchHub, ENROLLMENT_KEY } from './bench-hub.ts';
import { LeanClient } from './lean-client.ts';
import { median, percentile, printTable, saveResults, type Row } from './report.ts';

const CLIENTS = Number(process.env.BENCH_CREATE_CLIENTS ?? 16);
const REQUESTS = Number(process.env.BENCH_CREATE_REQUESTS ?? 6000);
const SIMS = Number(process.env.BENCH_CREATE_RUNNERS ?? 4);
// Before the measured runs: V8 compiles the hub's hot paths only after thousands of requests (with 500, the first run
// was a third slower than the third).
const WARMUP = Number(process.env.BENCH_CREATE_WARMUP ?? REQUESTS);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET = { rate: 2000, p50: 5 };

const hub = await BenchHub.create('bench-creates-hub', { SIMPUL_SITE_APPROVAL: 'auto' });
let lean: LeanClient | undefined;
const own: number[] = [];
const sims: SimRunner[] = [];
const rates: number[] = [];
const p50s: number[] = [];
const p99s: number[] = [];
const cpus: number[] = [];
try {
  lean = new LeanClient(hub.url, hub.api.token!, CLIENTS);
  const ids = await registerSims(hub.url, ENROLLMENT_KEY, SIMS, () => ['one'], 'creates');
  for (const id of ids) sims.push(new SimRunner(id, hub.url, { concurrency: 8 }));
  sims.forEach((s) => s.start());
  await Promise.all(sims.map((s) => s.whenReady()));
  await measure(WARMUP);
  for (let run = 0; run < RUNS; run++) {
    const cpu0 = hub.cpuSeconds();
    const own0 = process.cpuUsage();
    const { seconds, latencies } = await measure(REQUESTS);
    const cpu = ((hub.cpuSeconds() - cpu0) * 1e6) / REQUESTS;
    const ownUsed = process.cpuUsage(own0);
    own.push((ownUsed.user + ownUsed.system) / REQUESTS);
    rates.push(REQUESTS / seconds);
    p50s.push(median(latencies));
    p99s.push(percentile(latencies, 99));
    cpus.push(cpu);
    console.log(
      `  run ${run + 1}: ${(REQUESTS / seconds).toFixed(0)} creates/s, p50 ${p50s.at(-1)!.toFixed(2)} ms, p99 ${p99s.at(-1)!.toFixed(2)} ms, hub CPU ${cpu.toFixed(0)} µs/create, clients and simulated runners ${own.at(-1)!.toFixed(0)} µs/create (${seconds.toFixed(2)} s)`,
    );
    await sleep(500);
  }
} finally {
  sims.forEach((s) => s.stop());
  lean?.close();
  await hub.stop();
}

const rate = median(rates);
const p50 = median(p50s);
const rows: Row[] = [
  {
    metric: 'creates/s (1 task per request)',
    value: rate.toFixed(0),
    target: `≥ ${TARGET.rate}`,
    ok: rate >= TARGET.rate,
  },
  { metric: 'p50 latency (ms)', value: p50.toFixed(2), target: `≤ ${TARGET.p50}`, ok: p50 <= TARGET.p50 },
  { metric: 'p99 latency (ms)', value: median(p99s).toFixed(2) },
  { metric: 'hub CPU per create (µs; runners included)', value: median(cpus).toFixed(0) },
  { metric: "clients' and simulated runners' CPU per create (µs)", value: median(own).toFixed(0) },
];
printTable(
  `Single creates: ${CLIENTS} clients, ${REQUESTS} requests of one task each, ${SIMS} simulated runners taking them, 1 hub on SQLite (median of ${RUNS} runs)`,
  rows,
);
saveResults('single-creates', {
  clients: CLIENTS,
  requests: REQUESTS,
  runners: SIMS,
  rows,
  rates,
  p50s,
  p99s,
  cpus,
  own,
});

async function measure(n: number): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let left = n;
  const client = async () => {
    while (left > 0) {
      left--;
      const t = performance.now();
      const res = await lean!.post('/api/v1/tasks', { op: 100, params: { dataset: 'one', limit: 1 } });
      latencies.push(performance.now() - t);
      if (res.status !== 201) throw new Error(`create: ${res.status} ${res.body.slice(0, 300)}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { seconds: (performance.now() - t0) / 1000, latencies };
}
