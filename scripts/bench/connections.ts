// npm run bench:connections — 10,000 idle simulated runners on one hub (SQLite): the hub's resident memory and CPU while
// they only heartbeat (at the hub's default interval), and the time for all of them to reconnect after a hub restart.
// Runners reconnect with the real runner's jittered exponential backoff (1 s doubling to 5 s, ±50 %). Idle runners
// heartbeat at the idle interval the hub tells them (900 s; each runner's first at a random point of it, as in a fleet
// that did not start together); Engine.IO's ping (every 40 s by default) says that they are alive. A CPU window is
// one ping cycle: every socket is pinged exactly once in it, whatever the phase.
import { performance } from 'node:perf_hooks';
import { sleep, waitFor } from '../lib/procs.ts';
import { registerSims, SimRunner } from '../lib/sim-runner.ts';
import { BenchHub, cpuPercent, ENROLLMENT_KEY } from './bench-hub.ts';
import { median, printTable, saveResults, type Row } from './report.ts';

const RUNNERS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WINDOW_MS = Number(process.env.BENCH_IDLE_WINDOW_MS ?? Number(process.env.SIMPUL_SOCKET_PING_S ?? 40) * 1000); // one CPU reading
const IDLE_HEARTBEAT_S = Number(process.env.SIMPUL_IDLE_HEARTBEAT_S ?? 900); // the hub's default
const MiB = 2 ** 20;

const hub = await BenchHub.create('bench-connections-hub');
const sims: SimRunner[] = [];
let result!: {
  rssBytes: number;
  cpuPercent: number;
  reconnectS: number;
  fromReadyS: number;
  cpuRuns: number[];
  reconnectRuns: number[];
  hubCpuRuns: number[];
  readyRuns: number[];
};
try {
  console.log(`registering ${RUNNERS} simulated runners…`);
  const t0 = performance.now();
  const ids = await registerSims(hub.url, ENROLLMENT_KEY, RUNNERS, () => ['idle'], 'idle', 32);
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const id of ids) sims.push(new SimRunner(id, hub.url, { concurrency: 1 }));
  console.log('connecting…');
  const t1 = performance.now();
  for (let i = 0; i < sims.length; i += 500) {
    const wave = sims.slice(i, i + 500);
    wave.forEach((s) => s.start());
    await Promise.all(wave.map((s) => s.whenReady()));
  }
  console.log(`  all ${sims.length} connected in ${((performance.now() - t1) / 1000).toFixed(1)} s; settling`);
  await sleep(10_000);

  const cpuRuns: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    cpuRuns.push(await cpuPercent(hub, WINDOW_MS));
    rss.push(hub.rssBytes());
    console.log(
      `  idle window ${run + 1}: CPU ${cpuRuns.at(-1)!.toFixed(1)} % of a core, RSS ${(rss.at(-1)! / 2 ** 20).toFixed(0)} MiB`,
    );
  }
  const connected = sims.filter((s) => s.ready).length;
  if (connected !== sims.length) throw new Error(`only ${connected} of ${sims.length} runners stayed connected`);

  const reconnectRuns: number[] = [];
  const hubCpuRuns: number[] = [];
  const readyRuns: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const before = sims.map((s) => s.connects);
    const benchCpu0 = process.cpuUsage();
    const start = performance.now();
    await hub.stop(); // SIGTERM: sockets closed, process exits
    const stopped = performance.now();
    // How the fleet comes back, every 2 s (BENCH_VERBOSE=1): runners reconnected, and the hub's CPU so far.
    const progress = process.env.BENCH_VERBOSE
      ? setInterval(() => {
          const back = sims.filter((s, i) => s.ready && s.connects > before[i]).length;
          let cpu = '-';
          try {
            cpu = hub.cpuSeconds().toFixed(1);
          } catch {} // between processes
          console.log(`    +${((performance.now() - start) / 1000).toFixed(0)} s: ${back} back, hub CPU ${cpu} s`);
        }, 2000)
      : undefined;
    await hub.launch();
    const ready = performance.now();
    await waitFor(
      () => sims.every((s, i) => s.ready && s.connects > before[i]),
      'every runner to reconnect and say hello',
      300_000,
      100,
    );
    const done = performance.now();
    clearInterval(progress);
    const hubCpuS = hub.cpuSeconds(); // the new process: its start-up and every reconnect
    const benchCpu = process.cpuUsage(benchCpu0);
    reconnectRuns.push((done - start) / 1000);
    readyRuns.push((done - ready) / 1000);
    hubCpuRuns.push(hubCpuS);
    console.log(
      `  restart ${run + 1}: all reconnected ${reconnectRuns.at(-1)!.toFixed(1)} s after the stop began (stop ${((stopped - start) / 1000).toFixed(1)} s, answering ${((hub.answeredAt - stopped) / 1000).toFixed(1)} s later, admin login ${((ready - hub.answeredAt) / 1000).toFixed(1)} s), ${readyRuns.at(-1)!.toFixed(1)} s after the hub answered again`,
    );
    console.log(
      `    CPU: the new hub ${hubCpuS.toFixed(1)} s (start-up and ${RUNNERS} reconnects), the simulated runners ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} s`,
    );
    await sleep(5000);
  }
  result = {
    rssBytes: median(rss),
    cpuPercent: median(cpuRuns),
    reconnectS: median(reconnectRuns),
    fromReadyS: median(readyRuns),
    cpuRuns,
    reconnectRuns,
    hubCpuRuns,
    readyRuns,
  };
} finally {
  sims.forEach((s) => s.stop());
  await hub.stop();
}

const rows: Row[] = [
  {
    metric: `${RUNNERS} idle runners: hub RSS (MiB)`,
    value: (result.rssBytes / 2 ** 20).toFixed(0),
    target: '≤ 600',
    ok: result.rssBytes <= 600 * MiB,
  },
  {
    metric: `${RUNNERS} idle runners: hub CPU (% of a core)`,
    value: result.cpuPercent.toFixed(1),
    target: '≤ 5',
    ok: result.cpuPercent <= 5,
  },
  {
    metric: 'hub restart → all reconnected (s)',
    value: result.reconnectS.toFixed(1),
    target: '≤ 20',
    ok: result.reconnectS <= 20,
  },
  {
    metric: 'hub answering → all reconnected (s)',
    value: result.fromReadyS.toFixed(1),
    target: '≤ 20',
    ok: result.fromReadyS <= 20,
  },
];
printTable(
  `Connections, ${RUNNERS} idle runners on one hub (idle heartbeat every ${IDLE_HEARTBEAT_S} s; median of ${RUNS} windows of ${WINDOW_MS / 1000} s)`,
  rows,
);
saveResults('connections', { runners: RUNNERS, runs: RUNS, rows, ...result });
